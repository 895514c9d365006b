import { Cluster, Redis } from 'ioredis';
import t from 'tap';
import { bullmqPrefix, createRedis } from '../src/index.ts';

// Nothing listens on port 1: these clients are looked at, never used.
const REDIS_URL = 'rediss://app:s%3Acret@127.0.0.1:1';

t.test('without REDIS_CLUSTER_NODES the client is one server at REDIS_URL, auto-pipelined', async (t) => {
  const client = createRedis({ REDIS_URL: 'redis://127.0.0.1:1' });
  t.teardown(() => client.disconnect());
  t.type(client, Redis);
  t.equal((client as Redis).options.enableAutoPipelining, true);
});

t.test('with REDIS_CLUSTER_NODES the client is a cluster reading from masters, with REDIS_URL’s credentials and TLS on every node', async (t) => {
  const client = createRedis({ REDIS_URL, REDIS_CLUSTER_NODES: ['127.0.0.1:1', 'redis-2:2'] }, { maxRetriesPerRequest: null, enableAutoPipelining: false });
  t.teardown(() => client.disconnect());
  t.type(client, Cluster);
  const { options } = client as Cluster;
  t.equal(options.scaleReads, 'master');
  t.equal(options.enableAutoPipelining, false);
  t.match(
    options.redisOptions,
    { maxRetriesPerRequest: null, username: 'app', password: 's:cret', tls: {} },
    'BullMQ finds maxRetriesPerRequest null where it looks on a cluster',
  );
  t.throws(() => createRedis({ REDIS_URL, REDIS_CLUSTER_NODES: ['127.0.0.1'] }), /must be host:port/);
});

t.test('a BullMQ prefix is one hash tag per queue, so each queue stays in one slot', async (t) => {
  t.equal(bullmqPrefix('order-expiry'), '{bull:order-expiry}');
  t.equal(bullmqPrefix('sale-rebuild', 't_1:'), 't_1:{bull:sale-rebuild}');
  t.throws(() => bullmqPrefix('{x}'), /free of braces/);
});
