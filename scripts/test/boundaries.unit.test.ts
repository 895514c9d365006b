// The import-boundary rules (.dependency-cruiser.cjs) refuse what they name and nothing else: a
// small tree written here breaks each rule once and keeps each allowed case, and the cruise must
// report exactly the breaks. `npm test` also cruises the real tree (scripts/test.sh).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import t from 'tap';
import { cruise, type IConfiguration, type IViolation } from 'dependency-cruiser';

const config = createRequire(import.meta.url)('../../.dependency-cruiser.cjs') as IConfiguration;

const tree: Record<string, string> = {
  // refused: a service's code reaching into another service
  'services/a/src/index.ts': "import { b } from '../../b/src/index.ts';\nexport const a = b;\n",
  'services/b/src/index.ts': 'export const b = 1;\n',
  // allowed: a service's test starting another service in process
  'services/a/test/a.test.ts': "import { b } from '../../b/src/index.ts';\nexport const t = b;\n",
  // refused: a package importing a service
  'packages/p/src/index.ts': "import { b } from '../../../services/b/src/index.ts';\nexport const p = b;\n",
  // allowed: the events package imports the Kafka client; refused anywhere else, types included
  'packages/events/src/client.ts': "import { Kafka } from 'kafkajs';\nexport const k = Kafka;\n",
  'packages/q/src/admin.ts': "import type { Admin } from 'kafkajs';\nexport type A = Admin;\n",
  // refused: a cycle
  'packages/q/src/one.ts': "import { two } from './two.ts';\nexport const one = () => two();\n",
  'packages/q/src/two.ts': "import { one } from './one.ts';\nexport const two = (): unknown => one;\n",
};

t.test('each rule refuses exactly what it names', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'boundaries-'));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  for (const [path, source] of Object.entries(tree)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), source);
  }
  const { tsConfig: _ignored, ...options } = config.options ?? {};
  const result = await cruise(['services', 'packages'], { ...options, baseDir: root, validate: true, ruleSet: { forbidden: config.forbidden ?? [] } });
  if (typeof result.output === 'string') throw new Error('expected a cruise result object');
  const found = result.output.summary.violations.map((v: IViolation) => `${v.rule.name}: ${v.from} -> ${v.to}`).sort();
  t.same(found, [
    'no-cycles: packages/q/src/one.ts -> packages/q/src/two.ts',
    'only-events-imports-the-kafka-client: packages/q/src/admin.ts -> kafkajs',
    'packages-never-import-services: packages/p/src/index.ts -> services/b/src/index.ts',
    'services-never-import-services: services/a/src/index.ts -> services/b/src/index.ts',
  ]);
});
