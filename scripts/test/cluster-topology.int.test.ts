/**
 * The cluster topology's servers are what the README promises: a Redis Cluster of 3 masters with a
 * replica each, every declared Kafka topic on three in-sync replicas with min.insync.replicas 2,
 * and one MariaDB server per service that opens only to that service's own credentials. Runs where
 * `STACK_TOPOLOGY=cluster npm test` (or `STACK_TOPOLOGY=cluster npm run stack:up`) started them;
 * on the single topology there is nothing of this to check.
 */
import { allTopics, createKafkaTransport } from '@flash-sale/events';
import { spawnSync } from 'node:child_process';
import { stackEnvironment } from './support/stack-environment.ts';
import mysql from 'mysql2/promise';
import t from 'tap';

const cluster = process.env.STACK_TOPOLOGY === 'cluster';
const skip = cluster ? false : 'the cluster topology runs only under STACK_TOPOLOGY=cluster';
const services = ['order', 'payment', 'inventory', 'reconciler'] as const;
type Service = (typeof services)[number];

const clusterEnvironment: Record<string, string> = cluster ? stackEnvironment('cluster') : {};
const env = (name: string): string => {
  const value = clusterEnvironment[name];
  if (!value) throw new Error(`infra/local/env.sh sets no ${name} for the cluster topology`);
  return value;
};
const serviceUrl = (service: Service) => env(`${service.toUpperCase()}_MYSQL_URL`);

function redisCli(address: string, ...args: string[]): string {
  const [host = '', port = ''] = address.split(':');
  const result = spawnSync('redis-cli', ['-h', host, '-p', port, ...args], { encoding: 'utf8', env: { ...process.env, REDISCLI_AUTH: env('REDISCLI_AUTH') } });
  if (result.status !== 0) throw new Error(`redis-cli ${args.join(' ')} on ${address}: ${result.stderr}`);
  return result.stdout;
}

/** The MariaDB error code a connection attempt ends with, or 'connected'. */
async function connectAs(url: string): Promise<string> {
  try {
    const connection = await mysql.createConnection({ uri: url, connectTimeout: 5000 });
    await connection.end();
    return 'connected';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

/** The same user, password and database as `url`, aimed at another server's port. */
function onServerOf(url: string, other: string): string {
  const moved = new URL(url);
  moved.port = new URL(other).port;
  return moved.toString();
}

t.test('the Redis Cluster serves every slot from 3 masters, each with one replica, every node with AOF on', { skip }, async (t) => {
  const nodes = env('REDIS_CLUSTER_NODES').split(',');
  t.equal(nodes.length, 6);
  const info = redisCli(nodes[0] ?? '', 'CLUSTER', 'INFO');
  t.match(info, /cluster_state:ok/);
  t.match(info, /cluster_slots_assigned:16384/);
  t.match(info, /cluster_known_nodes:6/);
  t.match(info, /cluster_size:3/);
  const lines = redisCli(nodes[0] ?? '', 'CLUSTER', 'NODES')
    .trim()
    .split('\n');
  const masters = lines.filter((line) => line.split(' ')[2]?.includes('master'));
  const replicas = lines.filter((line) => line.split(' ')[2]?.includes('slave'));
  t.equal(masters.length, 3, 'three masters');
  t.equal(replicas.length, 3, 'three replicas');
  for (const master of masters) {
    const id = master.split(' ')[0];
    t.equal(replicas.filter((replica) => replica.split(' ')[3] === id).length, 1, `master ${master.split(' ')[1]} has one replica`);
  }
  // A replica that cannot sign in to its master (masterauth) is listed as one all the same, but
  // never syncs: every reservation then waits out its replica acknowledgement (ADR 0009).
  for (const replica of replicas) {
    const address = replica.split(' ')[1]?.split('@')[0] ?? '';
    let link = '';
    for (let attempt = 0; attempt < 40 && link !== 'up'; attempt += 1) {
      link = /master_link_status:(\w+)/.exec(redisCli(address, 'INFO', 'replication'))?.[1] ?? '';
      if (link !== 'up') await new Promise((resolve) => setTimeout(resolve, 250));
    }
    t.equal(link, 'up', `replica ${address} is in sync with its master`);
  }
  for (const node of nodes) t.match(redisCli(node, 'CONFIG', 'GET', 'appendonly'), /appendonly\s+yes/, `${node} appends to its AOF`);
});

t.test(
  'every declared topic has three replicas, all in sync, and min.insync.replicas 2, and each broker creates its internal topics the same way',
  { skip },
  async (t) => {
    const kafka = createKafkaTransport(
      {
        KAFKA_BROKERS: env('KAFKA_BROKERS').split(','),
        KAFKA_SASL_USERNAME: clusterEnvironment.KAFKA_SASL_USERNAME,
        KAFKA_SASL_PASSWORD: clusterEnvironment.KAFKA_SASL_PASSWORD,
      },
      { clientId: 'cluster-topology-test' },
    );
    const admin = kafka.admin();
    await admin.connect();
    t.teardown(() => admin.disconnect());
    t.equal((await admin.describeCluster()).brokers.length, 3, 'three brokers registered');
    const names = allTopics().map((topic) => topic.name);
    const metadata = await admin.fetchTopicMetadata({ topics: names });
    for (const topic of metadata.topics) {
      const short = topic.partitions.filter((partition) => partition.replicas.length !== 3 || partition.isr.length !== 3);
      t.same(short, [], `${topic.name}: every partition on 3 replicas, 3 in sync`);
    }
    const configs = await admin.describeConfigs(names.map((name) => ({ type: 'topic', name, configNames: ['min.insync.replicas'] })));
    for (const resource of configs) {
      t.equal(resource.configs['min.insync.replicas'], '2', `${resource.name}: min.insync.replicas 2`);
    }
    // The internal topics (consumer offsets, transactions) are created on first use, from these.
    const wanted: Record<string, string> = {
      'default.replication.factor': '3',
      'min.insync.replicas': '2',
      'offsets.topic.replication.factor': '3',
      'transaction.state.log.replication.factor': '3',
      'unclean.leader.election.enable': 'false',
    };
    const brokers = await admin.describeConfigs(['1', '2', '3'].map((id) => ({ type: 'broker', name: id, configNames: Object.keys(wanted) })));
    for (const resource of brokers) {
      t.same(resource.configs, wanted, `broker ${resource.name} replicates by default as the cluster promises`);
    }
  },
);

t.test("each service's database user opens its own server and is refused by the other three, which hold no database of its service", { skip }, async (t) => {
  for (const service of services) {
    t.equal(await connectAs(serviceUrl(service)), 'connected', `${service} connects to its own server`);
    for (const other of services.filter((candidate) => candidate !== service)) {
      t.equal(
        await connectAs(onServerOf(serviceUrl(service), serviceUrl(other))),
        'ER_ACCESS_DENIED_ERROR',
        `${service}'s credentials are refused by the ${other} server`,
      );
    }
    const admin = await mysql.createConnection({ uri: onServerOf(env('MYSQL_ADMIN_URL'), serviceUrl(service)) });
    const [rows] = await admin.query<mysql.RowDataPacket[]>("SELECT schema_name AS name FROM information_schema.schemata WHERE schema_name LIKE '%\\_service'");
    await admin.end();
    t.same(
      rows.map((row) => row.name as string),
      [`${service}_service`],
      `the ${service} server holds only ${service}_service`,
    );
  }
});

t.test(
  "the reconciler reads each service's database with that server's own credential, holds only its repair grants there, and no other server takes that credential",
  { skip },
  async (t) => {
    for (const service of ['order', 'payment', 'inventory'] as const) {
      const url = env(`RECONCILER_${service.toUpperCase()}_MYSQL_URL`);
      const connection = await mysql.createConnection({ uri: url });
      const [tables] = await connection.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = DATABASE()');
      t.ok(Number(tables[0]?.n) > 0, `the reconciler sees ${service}_service's tables`);
      const [grants] = await connection.query<mysql.RowDataPacket[]>('SHOW GRANTS');
      await connection.end();
      const text = grants.map((row) => Object.values(row)[0] as string).join('\n');
      t.match(text, new RegExp(`GRANT SELECT ON \`${service}_service\`\\.\\*`), 'SELECT on the schema');
      t.notMatch(text, /DELETE|ALL PRIVILEGES/, 'never DELETE, never everything');
      t.notMatch(text, new RegExp(`ON \`(?!${service}_service\`)[A-Za-z0-9_]+\``), 'no grant on another schema');
      for (const other of services.filter((candidate) => candidate !== service)) {
        t.equal(await connectAs(onServerOf(url, serviceUrl(other))), 'ER_ACCESS_DENIED_ERROR', `refused by the ${other} server`);
      }
    }
  },
);
