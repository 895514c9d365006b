/**
 * The alert rules and the Grafana dashboard under infra/observability are code: promtool checks and
 * unit-tests the rules, every metric they and the dashboard read is one a service defines, and the
 * dashboard and provisioning files have the shape Grafana and docker compose load. promtool is the
 * pinned build of infra/observability/install-promtool.sh (built once into .tools/, minutes the
 * first time).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { parse as parseYaml } from 'yaml';

const root = new URL('../../', import.meta.url).pathname;
const observability = join(root, 'infra/observability');
const rulesDir = join(observability, 'prometheus/rules');
const rulesFile = join(rulesDir, 'flash-sale.rules.yml');
const dashboardFile = join(observability, 'grafana/dashboards/flash-sale.json');

interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}
interface GrafanaPanel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  targets?: Array<{ refId: string; expr: string; datasource?: { uid: string } }>;
}

// merge: docker-compose.yml builds each service from an anchor with `<<`, which YAML 1.2 leaves to the reader.
const yamlFile = (path: string): unknown => parseYaml(readFileSync(path, 'utf8'), { merge: true });
const rules = (): AlertRule[] => (yamlFile(rulesFile) as { groups: Array<{ rules: AlertRule[] }> }).groups.flatMap((group) => group.rules);
const dashboard = () => JSON.parse(readFileSync(dashboardFile, 'utf8')) as { uid: string; title: string; schemaVersion: number; panels: GrafanaPanel[] };

function promtool(): string {
  return execFileSync('bash', [join(observability, 'install-promtool.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (entry === 'node_modules' || entry === 'test' || entry === 'bench') return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Every quoted string in the services' and packages' production code: metric names, routes, job names. */
const productionStrings = (() => {
  const strings = new Set<string>();
  for (const base of ['packages', 'services']) {
    for (const project of readdirSync(join(root, base))) {
      const src = join(root, base, project, 'src');
      if (!existsSync(src)) continue;
      for (const file of sourceFiles(src))
        for (const match of readFileSync(file, 'utf8').matchAll(/'([^'\n]+)'|`([^`\n]+)`/g)) strings.add(match[1] ?? match[2] ?? '');
    }
  }
  return strings;
})();

const promqlKeywords = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'inf', 'nan']);
/** Series Prometheus itself provides, and prom-client's default process metrics. */
const builtIn = (name: string) => name === 'up' || name === 'ALERTS' || name.startsWith('process_') || name.startsWith('nodejs_');

/** The metric names a PromQL expression selects: what remains once strings, matchers, ranges, grouping lists and function calls are taken out. */
function metricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const names = new Set<string>();
  for (const match of stripped.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    const [, name, call] = match;
    if (!name || call || promqlKeywords.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}

/** The label values a selector pins with = or =~ / !~ (alternatives split), for `label`. */
function labelValues(expr: string, label: string): string[] {
  const values: string[] = [];
  for (const match of expr.matchAll(new RegExp(`\\b${label}\\s*(=|!=|=~|!~)\\s*"([^"]*)"`, 'g'))) {
    const [, op, value = ''] = match;
    values.push(...(op === '=' || op === '!=' ? [value] : value.split('|')));
  }
  return values;
}

const defined = (metric: string) => builtIn(metric) || productionStrings.has(metric) || productionStrings.has(metric.replace(/_(bucket|count|sum)$/, ''));

const dashboardExprs = () =>
  dashboard().panels.flatMap((panel) => (panel.targets ?? []).map((target) => ({ where: `dashboard panel "${panel.title}"`, expr: target.expr })));
const ruleExprs = () => rules().map((rule) => ({ where: `alert ${rule.alert}`, expr: rule.expr }));

t.test('promtool accepts every alert rule file (promtool check rules)', async (t) => {
  const files = readdirSync(rulesDir).filter((file) => file.endsWith('.rules.yml'));
  t.ok(files.length > 0, 'there is a rules file');
  const result = spawnSync(promtool(), ['check', 'rules', ...files.map((file) => join(rulesDir, file))], { encoding: 'utf8' });
  t.equal(result.status, 0, `${result.stdout}${result.stderr}`);
});

t.test('promtool accepts the Prometheus configuration docker compose runs (promtool check config)', async (t) => {
  const result = spawnSync(promtool(), ['check', 'config', '--syntax-only', join(observability, 'prometheus/prometheus.yml')], { encoding: 'utf8' });
  t.equal(result.status, 0, `${result.stdout}${result.stderr}`);
});

t.test('each alert fires on the series the services export and stays quiet where it should (promtool test rules)', async (t) => {
  const tests = readdirSync(rulesDir).filter((file) => file.endsWith('.rules.test.yml'));
  t.ok(tests.length > 0, 'there is a rules test file');
  const result = spawnSync(promtool(), ['test', 'rules', ...tests], { cwd: rulesDir, encoding: 'utf8' });
  t.equal(result.status, 0, `${result.stdout}${result.stderr}`);
});

t.test(
  'the alerts cover dead letters, quarantine, consumer lag, outbox lag, stock drift, reconciliation, webhook refusals and 5xx, each with a severity and a summary',
  async (t) => {
    const all = rules();
    const metricsRead = new Set(all.flatMap((rule) => metricNames(rule.expr)));
    for (const metric of [
      'reconciler_dead_letter_entries',
      'event_consumer_lag',
      'outbox_oldest_unpublished_age_seconds',
      'reconciler_last_run_anomalies',
      'reconciler_repair_failures_total',
      'http_request_duration_seconds_count',
      'payment_webhook_events_total',
    ]) {
      t.ok(metricsRead.has(metric), `an alert reads ${metric}`);
    }
    const exprs = all.map((rule) => rule.expr).join('\n');
    t.match(exprs, /quarantined/, 'quarantine depth');
    t.match(exprs, /stock-drift/, 'stock drift');
    t.match(exprs, /\/v1\/webhooks\/provider/, 'webhook refusals');
    t.match(exprs, /status=~"5\.\."/, '5xx rate');
    const names = all.map((rule) => rule.alert);
    t.same(
      names.filter((name, i) => names.indexOf(name) !== i),
      [],
      'alert names are unique',
    );
    for (const rule of all) {
      t.ok(['critical', 'warning'].includes(rule.labels?.severity ?? ''), `${rule.alert} has a severity`);
      t.ok(rule.annotations?.summary, `${rule.alert} has a summary`);
    }
  },
);

t.test('every metric the alerts and the dashboard read is one the services define', async (t) => {
  t.same(
    metricNames('sum by (service) (rate(http_request_duration_seconds_count{status=~"5.."}[5m])) / on (job) max(up) > 0.01'),
    ['http_request_duration_seconds_count', 'up'],
    'the extraction finds metric names, not functions or labels',
  );
  const unknown = [...ruleExprs(), ...dashboardExprs()].flatMap(({ where, expr }) =>
    metricNames(expr)
      .filter((metric) => !defined(metric))
      .map((metric) => `${where}: ${metric}`),
  );
  t.same(unknown, [], 'no query reads a metric nothing exports');
});

t.test('the routes and reconciliation jobs the queries pin by label exist in the services', async (t) => {
  const pinned = [...ruleExprs(), ...dashboardExprs()].flatMap(({ where, expr }) => [
    ...labelValues(expr, 'route').map((route) => ({ where, label: 'route', value: route })),
    ...labelValues(expr, 'job')
      .filter((job) => !['order', 'payment', 'inventory', 'reconciler', 'provider-sim'].includes(job)) // scrape jobs of prometheus.yml
      .map((job) => ({ where, label: 'job', value: job })),
  ]);
  t.ok(pinned.length > 0, 'some query pins a route or a job');
  const missing = pinned.filter(({ value }) => !productionStrings.has(value)).map(({ where, label, value }) => `${where}: ${label}="${value}"`);
  t.same(missing, [], 'each pinned route and job name appears in the services');
});

t.test(
  'the dashboard is one Grafana loads: unique panel ids, every query on the provisioned data source, panels on the 24-column grid without overlap',
  async (t) => {
    const board = dashboard();
    t.equal(board.uid, 'flash-sale-overview');
    t.ok(board.schemaVersion >= 36, 'a current schema version');
    const datasources = yamlFile(join(observability, 'grafana/provisioning/datasources/prometheus.yml')) as {
      apiVersion: number;
      datasources: Array<{ uid: string; type: string; url: string }>;
    };
    const [prometheus] = datasources.datasources;
    t.equal(prometheus?.type, 'prometheus');
    t.equal(prometheus?.url, 'http://prometheus:9090', 'the compose service name');

    const ids = board.panels.map((panel) => panel.id);
    t.same(
      ids.filter((id, i) => ids.indexOf(id) !== i),
      [],
      'panel ids are unique',
    );
    const rows = board.panels.filter((panel) => panel.type === 'row').map((panel) => panel.title);
    t.same(rows, ['The sale', 'The pipeline', 'Reconciliation'], 'the sale, the pipeline and reconciliation');

    const cells = new Map<string, string>();
    for (const panel of board.panels) {
      const { x, y, w, h } = panel.gridPos;
      t.ok(x >= 0 && w > 0 && x + w <= 24 && h > 0 && y >= 0, `"${panel.title}" lies on the grid`);
      for (let row = y; row < y + h; row++)
        for (let column = x; column < x + w; column++) {
          const key = `${row}:${column}`;
          if (cells.has(key)) t.fail(`"${panel.title}" overlaps "${cells.get(key)}"`);
          cells.set(key, panel.title);
        }
      if (panel.type === 'row') continue;
      t.equal(panel.datasource?.uid, prometheus?.uid, `"${panel.title}" reads the provisioned data source`);
      t.ok((panel.targets ?? []).length > 0, `"${panel.title}" has a query`);
      for (const target of panel.targets ?? []) t.equal(target.datasource?.uid ?? panel.datasource?.uid, prometheus?.uid);
    }
  },
);

t.test('docker compose provisions Prometheus and Grafana from these files, and each file it mounts exists', async (t) => {
  const compose = yamlFile(join(root, 'docker-compose.yml')) as {
    services: Record<string, { image?: string; volumes?: string[]; environment?: Record<string, string> }>;
  };
  const { prometheus, grafana } = compose.services;
  t.ok(prometheus?.image?.startsWith('prom/prometheus:v'), 'a pinned Prometheus image');
  t.ok(grafana?.image?.startsWith('grafana/grafana:'), 'a Grafana image');
  for (const [name, service] of Object.entries({ prometheus, grafana })) {
    for (const volume of service?.volumes ?? []) {
      const [hostPath = ''] = volume.split(':');
      t.ok(existsSync(join(root, hostPath)), `${name} mounts ${hostPath}, which exists`);
    }
  }
  t.equal(compose.services.order?.environment?.LOG_FORMAT, 'json', 'the containers log JSON lines');

  const config = yamlFile(join(observability, 'prometheus/prometheus.yml')) as {
    rule_files: string[];
    scrape_configs: Array<{ job_name: string; honor_labels?: boolean; static_configs: Array<{ targets: string[] }> }>;
  };
  t.same(config.rule_files, ['/etc/prometheus/rules/*.rules.yml'], 'the mounted rules directory');
  for (const scrape of config.scrape_configs) {
    const [host] = scrape.static_configs[0]?.targets[0]?.split(':') ?? [];
    t.ok(host && compose.services[host], `${scrape.job_name} scrapes the compose service ${host}`);
    t.equal(scrape.honor_labels, true, `${scrape.job_name} keeps the reconciler's job label`);
  }
  const provider = yamlFile(join(observability, 'grafana/provisioning/dashboards/flash-sale.yml')) as {
    providers: Array<{ type: string; options: { path: string } }>;
  };
  t.equal(provider.providers[0]?.type, 'file');
  t.ok(
    grafana?.volumes?.some((volume) => volume.split(':')[1] === provider.providers[0]?.options.path),
    'the dashboards folder is mounted where the provider reads',
  );
});
