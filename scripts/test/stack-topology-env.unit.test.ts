/**
 * The addresses infra/local/env.sh gives each topology, read from a stranger's shell (no variable
 * of ours inherited): the single stack keeps its one server of each kind, the cluster topology
 * points every client at the cluster's servers, and the reconciler has a connection per service
 * database on both. No server is needed; the cluster itself is checked by cluster-topology.int.test.ts.
 */
import { spawnSync } from 'node:child_process';
import t from 'tap';

const root = new URL('../../', import.meta.url).pathname;
const names = [
  'STACK_TOPOLOGY',
  'MYSQL_ADMIN_URL',
  'REDIS_URL',
  'REDIS_CLUSTER_NODES',
  'KAFKA_BROKERS',
  'ORDER_MYSQL_URL',
  'PAYMENT_MYSQL_URL',
  'INVENTORY_MYSQL_URL',
  'RECONCILER_MYSQL_URL',
  'RECONCILER_ORDER_MYSQL_URL',
  'RECONCILER_PAYMENT_MYSQL_URL',
  'RECONCILER_INVENTORY_MYSQL_URL',
  'ORDER_REDIS_URL',
  'PAYMENT_REDIS_URL',
  'INVENTORY_REDIS_URL',
  'RECONCILER_REDIS_URL',
  'KAFKA_SASL_USERNAME',
  'KAFKA_SASL_PASSWORD',
  'KAFKA_ADMIN_USER',
  'KAFKA_ADMIN_PASSWORD',
  'ORDER_KAFKA_PASSWORD',
  'PAYMENT_KAFKA_PASSWORD',
  'INVENTORY_KAFKA_PASSWORD',
  'RECONCILER_KAFKA_PASSWORD',
  'ORDER_KAFKA_USER',
  'PAYMENT_KAFKA_USER',
  'INVENTORY_KAFKA_USER',
  'RECONCILER_KAFKA_USER',
] as const;
type Name = (typeof names)[number];

/** Sources env.sh in `bash -c` after `before`, and returns the variables (unset: undefined). */
function environment(before: string, env: Record<string, string> = {}): { status: number | null; values: Partial<Record<Name, string>>; stderr: string } {
  const print = names.map((name) => `printf '%s=%s\\n' ${name} "\${${name}-<unset>}"`).join('; ');
  const result = spawnSync('bash', ['-c', `${before}; source infra/local/env.sh && { ${print}; }`], {
    cwd: root,
    env: { HOME: process.env.HOME ?? '/root', PATH: '/usr/bin:/bin', ...env },
    encoding: 'utf8',
  });
  const values: Partial<Record<Name, string>> = {};
  for (const line of result.stdout.split('\n')) {
    const [name, ...rest] = line.split('=');
    const value = rest.join('=');
    if (name && value !== '<unset>') values[name as Name] = value;
  }
  return { status: result.status, values, stderr: result.stderr };
}

const port = (url: string | undefined) => (url ? new URL(url).port : undefined);
const user = (url: string | undefined) => (url ? new URL(url).username : undefined);
const database = (url: string | undefined) => (url ? new URL(url).pathname.slice(1) : undefined);

t.test('without STACK_TOPOLOGY the single stack keeps one MariaDB, one Redis and one broker, and no cluster nodes', async (t) => {
  const { status, values } = environment('true');
  t.equal(status, 0);
  t.equal(values.STACK_TOPOLOGY, 'single');
  for (const name of ['ORDER_MYSQL_URL', 'PAYMENT_MYSQL_URL', 'INVENTORY_MYSQL_URL', 'RECONCILER_MYSQL_URL', 'MYSQL_ADMIN_URL'] as const) {
    t.equal(port(values[name]), '3306', `${name} on the one server`);
  }
  t.equal(new URL(values.REDIS_URL ?? 'redis://-').host, '127.0.0.1:6379');
  t.equal(values.KAFKA_BROKERS, '127.0.0.1:9092');
  t.equal(values.REDIS_CLUSTER_NODES, undefined, 'no cluster nodes: the clients stay on the single Redis');
});

t.test('STACK_TOPOLOGY=cluster points at six Redis nodes, three brokers and a MariaDB server per service, none on a port of the single stack', async (t) => {
  const { status, values } = environment('true', { STACK_TOPOLOGY: 'cluster' });
  t.equal(status, 0);
  const nodes = values.REDIS_CLUSTER_NODES?.split(',') ?? [];
  t.equal(nodes.length, 6, 'six Redis nodes');
  t.equal(new Set(nodes).size, 6);
  const brokers = values.KAFKA_BROKERS?.split(',') ?? [];
  t.equal(brokers.length, 3, 'three brokers');
  const servicePorts = (['ORDER_MYSQL_URL', 'PAYMENT_MYSQL_URL', 'INVENTORY_MYSQL_URL', 'RECONCILER_MYSQL_URL'] as const).map((name) => port(values[name]));
  t.equal(new Set(servicePorts).size, 4, 'each service on a server of its own');
  const used = [...nodes, ...brokers].map((address) => address.split(':')[1]).concat(servicePorts.map(String), [port(values.REDIS_URL) ?? '']);
  for (const single of ['3306', '6379', '9092', '9093']) t.notOk(used.includes(single), `nothing on the single stack's port ${single}`);
  t.ok(nodes.includes(`127.0.0.1:${port(values.REDIS_URL)}`), 'REDIS_URL is a cluster node, never the single Redis');
  t.ok(servicePorts.includes(port(values.MYSQL_ADMIN_URL)), 'the admin URL is on one of the service servers');
});

t.test(
  "the reconciler has a URL per service database on both topologies; on cluster it is that service's server with a password of that server alone",
  async (t) => {
    const single = environment('true').values;
    const cluster = environment('true', { STACK_TOPOLOGY: 'cluster' }).values;
    for (const service of ['ORDER', 'PAYMENT', 'INVENTORY'] as const) {
      const name = `RECONCILER_${service}_MYSQL_URL` as const;
      const schema = `${service.toLowerCase()}_service`;
      t.equal(database(single[name]), schema, `${name} names ${schema} on single`);
      t.equal(port(single[name]), '3306');
      t.equal(user(single[name]), user(single.RECONCILER_MYSQL_URL), 'as the reconciler user of the one server');
      t.equal(database(cluster[name]), schema, `${name} names ${schema} on cluster`);
      t.equal(port(cluster[name]), port(cluster[`${service}_MYSQL_URL`]), `on the ${service.toLowerCase()} service's own server`);
      t.equal(user(cluster[name]), 'reconciler_svc');
    }
    const passwords = (['ORDER', 'PAYMENT', 'INVENTORY'] as const).map(
      (service) => new URL(cluster[`RECONCILER_${service}_MYSQL_URL`] ?? 'mysql://x').password,
    );
    t.equal(new Set([...passwords, new URL(cluster.RECONCILER_MYSQL_URL ?? 'mysql://x').password]).size, 4, 'no password opens two servers');
  },
);

t.test("a shell that sourced the single topology and then asks for the cluster gets the cluster's addresses, not the single ones it kept", async (t) => {
  const { status, values } = environment('source infra/local/env.sh; export STACK_TOPOLOGY=cluster');
  t.equal(status, 0);
  t.equal(values.KAFKA_BROKERS?.split(',').length, 3);
  t.equal(values.REDIS_CLUSTER_NODES?.split(',').length, 6);
  t.not(port(values.ORDER_MYSQL_URL), '3306');
  const back = environment('export STACK_TOPOLOGY=cluster; source infra/local/env.sh; export STACK_TOPOLOGY=single').values;
  t.equal(back.REDIS_CLUSTER_NODES, undefined, 'and back on single the cluster nodes are gone');
  t.equal(back.KAFKA_BROKERS, '127.0.0.1:9092');
});

t.test('an unknown topology is refused with the two it knows', async (t) => {
  const { status, stderr } = environment('true', { STACK_TOPOLOGY: 'three-node' });
  t.not(status, 0);
  t.match(stderr, /STACK_TOPOLOGY must be single or cluster/);
});

t.test('Redis: REDIS_URL is the default user with a password, and each service has a user of its own on the same server, on both topologies', async (t) => {
  for (const topology of ['single', 'cluster'] as const) {
    const { values } = environment('true', { STACK_TOPOLOGY: topology });
    const server = new URL(values.REDIS_URL ?? 'redis://-');
    t.equal(server.username, 'default', `${topology}: REDIS_URL is the default user`);
    t.ok(server.password, `${topology}: with a password`);
    const users = (['ORDER', 'PAYMENT', 'INVENTORY', 'RECONCILER'] as const).map((service) => {
      const url = new URL(values[`${service}_REDIS_URL`] ?? 'redis://-');
      t.equal(url.host, server.host, `${topology}: ${service}_REDIS_URL is on REDIS_URL's server`);
      t.ok(url.password && url.password !== server.password, `${topology}: ${service} has a password of its own`);
      return user(url.toString());
    });
    t.same(users, ['order_svc', 'payment_svc', 'inventory_svc', 'reconciler_svc'], `${topology}: a user per service`);
  }
});

t.test('on both topologies the tooling signs in to Kafka as the administrator, and each service has a Kafka user and password of its own', async (t) => {
  for (const topology of ['single', 'cluster']) {
    const { status, values } = environment('true', { STACK_TOPOLOGY: topology });
    t.equal(status, 0);
    t.equal(values.KAFKA_SASL_USERNAME, values.KAFKA_ADMIN_USER, `${topology}: the administrator by default`);
    t.equal(values.KAFKA_SASL_PASSWORD, values.KAFKA_ADMIN_PASSWORD);
    const passwords = (['ORDER_KAFKA_PASSWORD', 'PAYMENT_KAFKA_PASSWORD', 'INVENTORY_KAFKA_PASSWORD', 'RECONCILER_KAFKA_PASSWORD'] as const).map(
      (name) => values[name],
    );
    t.ok(passwords.every(Boolean), `${topology}: four service passwords`);
    t.equal(new Set([...passwords, values.KAFKA_ADMIN_PASSWORD]).size, 5, `${topology}: none shared`);
    const users = (['ORDER_KAFKA_USER', 'PAYMENT_KAFKA_USER', 'INVENTORY_KAFKA_USER', 'RECONCILER_KAFKA_USER'] as const).map((name) => values[name]);
    t.same(
      users,
      ['order_svc', 'payment_svc', 'inventory_svc', 'reconciler_svc'],
      `${topology}: each service's Kafka user is named as its MariaDB and Redis users`,
    );
  }
  const { values } = environment('true', { KAFKA_SASL_USERNAME: 'order_svc', KAFKA_SASL_PASSWORD: 'from-outside' });
  t.equal(values.KAFKA_SASL_USERNAME, 'order_svc', 'a principal already in the environment wins');
});
