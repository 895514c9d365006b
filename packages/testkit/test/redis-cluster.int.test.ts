import { createConnection } from 'node:net';
import { createRedis, type RedisTarget } from '@flash-sale/service-kit';
import { Cluster } from 'ioredis';
import t from 'tap';
import { createTestRedisCluster, startRedisCluster } from '../src/index.ts';

const answers = (node: string) =>
  new Promise<boolean>((resolve) => {
    const [host, port] = node.split(':');
    const socket = createConnection({ host, port: Number(port) });
    socket.once('connect', () => resolve(true)).once('error', () => resolve(false));
    socket.once('connect', () => socket.destroy());
  });

t.test('a started cluster has three masters serving all 16384 slots, and stopping it leaves no server', async (t) => {
  const servers = await startRedisCluster();
  const cluster = new Cluster(servers.nodes.map((node) => ({ host: node.split(':')[0] ?? '', port: Number(node.split(':')[1]) })));
  t.teardown(() => cluster.disconnect());
  const slots = (await cluster.cluster('SLOTS')) as [number, number, ...unknown[]][];
  t.equal(slots.length, 3, 'three masters, no replicas');
  t.equal(
    slots.reduce((sum, [from, to]) => sum + (to - from + 1), 0),
    16384,
  );
  await cluster.set('a', '1');
  await cluster.set('b', '2');
  await t.rejects(cluster.mget('a', 'b'), /CROSSSLOT/, 'it is a real cluster: keys of two slots are refused together');
  cluster.disconnect();
  await servers.stop();
  for (const node of servers.nodes) t.notOk(await answers(node), `${node} stopped`);
});

t.test('a test cluster client removes the test’s keys from every master afterwards', async (t) => {
  let prefix = '';
  let target: RedisTarget = { REDIS_URL: '' };
  await t.test('writes', async (t) => {
    const cluster = await createTestRedisCluster(t.teardown.bind(t));
    prefix = cluster.prefix;
    target = cluster.target;
    await Promise.all(Array.from({ length: 50 }, (_, i) => cluster.redis.set(`${cluster.prefix}k${i}`, 'v')));
  });
  // With REDIS_URL's credentials: the cluster topology's nodes refuse a client without them.
  const check = createRedis(target) as Cluster;
  t.teardown(() => check.disconnect());
  await check.cluster('INFO');
  let left = 0;
  for (const node of check.nodes('master')) left += (await node.scan('0', 'MATCH', `*${prefix}*`, 'COUNT', 10_000))[1].length;
  t.equal(left, 0, 'no key of the test left on any master');
});
