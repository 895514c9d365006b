// The few lines `npm start` prints once every service is ready, in place of a wall of logs, and the
// processes they are printed for.
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { formatBanner, serviceInstances } from '../start-banner.ts';

const root = new URL('../../', import.meta.url).pathname;
/** The environment infra/local/env.sh gives a stranger's shell (nothing of ours inherited), plus `env`. */
function stackEnvironment(env: Record<string, string>): NodeJS.ProcessEnv {
  const result = spawnSync('bash', ['-c', 'source infra/local/env.sh && env -0'], {
    cwd: root,
    env: { HOME: process.env.HOME ?? '/root', PATH: '/usr/bin:/bin', ...env },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`env.sh failed: ${result.stderr}`);
  return Object.fromEntries(
    result.stdout
      .split('\0')
      .filter(Boolean)
      .map((entry) => [entry.slice(0, entry.indexOf('=')), entry.slice(entry.indexOf('=') + 1)]),
  );
}

const ports = { ORDER_PORT: '3001', PAYMENT_PORT: '3002', INVENTORY_PORT: '3003', RECONCILER_PORT: '3004', PROVIDER_SIM_PORT: '3005' };
const secondPorts = { ORDER_PORT_2: '3011', PAYMENT_PORT_2: '3012', INVENTORY_PORT_2: '3013', RECONCILER_PORT_2: '3014' };

t.test('the banner gives each service its address, and names docs, the ops console and bull-board only where the service answered for them', async (t) => {
  const lines = formatBanner([
    { name: 'order', service: 'order', base: 'http://127.0.0.1:3001', what: 'orders', pages: [{ path: '/docs', label: 'OpenAPI' }] },
    { name: 'inventory', service: 'inventory', base: 'http://127.0.0.1:3003', what: 'SKUs, sales, stock', pages: [] },
    {
      name: 'reconciler',
      service: 'reconciler',
      base: 'http://127.0.0.1:3004',
      what: 'repair jobs',
      pages: [{ path: '/ops/queues', label: 'bull-board (platform-ops)' }],
    },
  ]);
  t.ok(lines.length <= 8, 'a few lines');
  t.match(
    lines.find((line) => line.includes('order ')),
    /http:\/\/127\.0\.0\.1:3001 .*OpenAPI http:\/\/127\.0\.0\.1:3001\/docs/,
  );
  t.notMatch(
    lines.find((line) => line.includes('inventory')),
    /OpenAPI|docs/,
    'no page it did not answer for',
  );
  t.match(
    lines.find((line) => line.includes('reconciler')),
    /bull-board \(platform-ops\) http:\/\/127\.0\.0\.1:3004\/ops\/queues/,
  );
  t.notMatch(lines.join('\n'), /ops console/, 'the ops console only once it answers');
  t.notMatch(lines.join('\n'), /instance 1/, 'one instance each: nothing to say about instances');
  t.match(lines.join('\n'), /GET \/metrics/);
});

t.test(
  'with two instances of a service the banner lists each on a line of its own with its own address, and says calls between services go to instance 1',
  async (t) => {
    const lines = formatBanner([
      { name: 'order-1', service: 'order', base: 'http://127.0.0.1:3001', what: 'orders', pages: [{ path: '/docs', label: 'OpenAPI' }] },
      { name: 'order-2', service: 'order', base: 'http://127.0.0.1:3011', what: 'orders', pages: [{ path: '/docs', label: 'OpenAPI' }] },
      { name: 'provider', service: 'provider', base: 'http://127.0.0.1:3005', what: 'payment provider simulator', pages: [] },
    ]);
    t.match(
      lines.find((line) => line.includes('order-1 ')),
      /http:\/\/127\.0\.0\.1:3001 .*OpenAPI http:\/\/127\.0\.0\.1:3001\/docs/,
    );
    t.match(
      lines.find((line) => line.includes('order-2 ')),
      /http:\/\/127\.0\.0\.1:3011 .*OpenAPI http:\/\/127\.0\.0\.1:3011\/docs/,
    );
    t.match(lines.join('\n'), /between services go to instance 1 \(ORDER_URL/);
  },
);

t.test(
  'on single each service is one process under its bare name; on cluster (SERVICE_INSTANCES=2) two, the second on <SERVICE>_PORT_2, and one provider simulator',
  async (t) => {
    const single = serviceInstances({ ...ports, SERVICE_INSTANCES: '1' });
    t.same(
      single.map((instance) => `${instance.name} ${instance.base}`),
      [
        'order http://127.0.0.1:3001',
        'payment http://127.0.0.1:3002',
        'inventory http://127.0.0.1:3003',
        'reconciler http://127.0.0.1:3004',
        'provider http://127.0.0.1:3005',
      ],
    );
    t.same(serviceInstances(ports), single, 'one instance when SERVICE_INSTANCES is unset');

    const cluster = serviceInstances({ ...ports, ...secondPorts, SERVICE_INSTANCES: '2' });
    t.same(
      cluster.map((instance) => `${instance.name} ${instance.service} ${instance.base}`),
      [
        'order-1 order http://127.0.0.1:3001',
        'order-2 order http://127.0.0.1:3011',
        'payment-1 payment http://127.0.0.1:3002',
        'payment-2 payment http://127.0.0.1:3012',
        'inventory-1 inventory http://127.0.0.1:3003',
        'inventory-2 inventory http://127.0.0.1:3013',
        'reconciler-1 reconciler http://127.0.0.1:3004',
        'reconciler-2 reconciler http://127.0.0.1:3014',
        'provider provider http://127.0.0.1:3005',
      ],
    );
    t.throws(() => serviceInstances({ ...ports, SERVICE_INSTANCES: '2' }), /ORDER_PORT_2 must be set/, 'a second port that is missing is named');
    t.throws(() => serviceInstances({ ...ports, SERVICE_INSTANCES: '3' }), /SERVICE_INSTANCES must be 1 or 2/);
  },
);

t.test(
  'infra/local/env.sh gives npm start one instance of each service on single and two on cluster, the second ten ports above the first unless set',
  async (t) => {
    const names = (env: Record<string, string>) => serviceInstances(stackEnvironment(env)).map((instance) => `${instance.name} ${instance.base}`);
    t.same(names({}), [
      'order http://127.0.0.1:3001',
      'payment http://127.0.0.1:3002',
      'inventory http://127.0.0.1:3003',
      'reconciler http://127.0.0.1:3004',
      'provider http://127.0.0.1:3005',
    ]);
    t.same(names({ STACK_TOPOLOGY: 'cluster' }).slice(0, 2), ['order-1 http://127.0.0.1:3001', 'order-2 http://127.0.0.1:3011']);
    t.same(names({ STACK_TOPOLOGY: 'cluster' }).length, 9, 'four services twice, one provider simulator');
    t.same(
      names({ STACK_TOPOLOGY: 'cluster', ORDER_PORT: '3201' }).slice(0, 2),
      ['order-1 http://127.0.0.1:3201', 'order-2 http://127.0.0.1:3211'],
      'the second port moves with the first',
    );
    t.same(names({ STACK_TOPOLOGY: 'cluster', ORDER_PORT_2: '4000' })[1], 'order-2 http://127.0.0.1:4000', 'or is set on its own');
    t.same(names({ STACK_TOPOLOGY: 'cluster', SERVICE_INSTANCES: '1' })[0], 'order http://127.0.0.1:3001', 'SERVICE_INSTANCES=1 keeps one on the cluster');
    const env = stackEnvironment({ STACK_TOPOLOGY: 'cluster' });
    t.equal(env.ORDER_URL, 'http://127.0.0.1:3001', 'calls between services go to instance 1');
    t.equal(env.PROVIDER_WEBHOOK_URL, 'http://127.0.0.1:3002/v1/webhooks/provider');
    const refused = spawnSync('bash', ['-c', 'source infra/local/env.sh'], {
      cwd: root,
      env: { PATH: '/usr/bin:/bin', SERVICE_INSTANCES: '3' },
      encoding: 'utf8',
    });
    t.not(refused.status, 0, 'three instances refused');
    t.match(refused.stderr, /SERVICE_INSTANCES must be 1 or 2/);
  },
);
