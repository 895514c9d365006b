// Import boundaries: `npm run boundaries` checks the tree, `npm test` runs it before the tests, and
// scripts/test/boundaries.unit.test.ts proves each rule refuses what it names.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'services-never-import-services',
      comment:
        'A service talks to another through HTTP or events, never through its code: each deploys and migrates on its own. ' +
        "A service's tests may start another service in process (the payment provider simulator, a second service a repair spans).",
      severity: 'error',
      from: { path: '^services/([^/]+)/(src|bench)/' },
      to: { path: '^services/', pathNot: '^services/$1/' },
    },
    {
      name: 'packages-never-import-services',
      comment: 'Shared packages are below the services: a package importing a service would tie every service to it.',
      severity: 'error',
      from: { path: '^packages/' },
      to: { path: '^services/' },
    },
    {
      name: 'only-events-imports-the-kafka-client',
      comment:
        'packages/events is the Kafka transport seam (docs/eventing.md "The transport seam"): everything else publishes, consumes and administers through it, so the client can be replaced in one package.',
      severity: 'error',
      from: { pathNot: '^packages/events/' },
      to: { path: '(^|node_modules/)(kafkajs|@platformatic/kafka|node-rdkafka|@confluentinc/kafka-javascript)(/|$)' },
    },
    {
      name: 'no-cycles',
      comment: 'A cycle makes load order matter and hides which module owns a rule.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(\\.tap|\\.tools|\\.data|test-output|dist)/' },
    tsPreCompilationDeps: true,
    combinedDependencies: false,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'node', 'default'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    tsConfig: { fileName: 'tsconfig.base.json' },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
