import t from 'tap';
import { common, parseConfig, z, type ConfigError } from '../src/index.ts';

const schema = z.object({ REDIS_URL: common.REDIS_URL, REDIS_CLUSTER_NODES: common.REDIS_CLUSTER_NODES });
const REDIS_URL = 'redis://127.0.0.1:7001';

t.test('REDIS_CLUSTER_NODES lists the cluster’s seed nodes; unset or empty means one server at REDIS_URL', async (t) => {
  t.same(parseConfig(schema, { REDIS_URL, REDIS_CLUSTER_NODES: '127.0.0.1:7001, 127.0.0.1:7002,redis-3:7003' }).REDIS_CLUSTER_NODES, [
    '127.0.0.1:7001',
    '127.0.0.1:7002',
    'redis-3:7003',
  ]);
  t.equal(parseConfig(schema, { REDIS_URL }).REDIS_CLUSTER_NODES, undefined);
  t.equal(parseConfig(schema, { REDIS_URL, REDIS_CLUSTER_NODES: '' }).REDIS_CLUSTER_NODES, undefined, 'an env file’s empty value is unset');
});

t.test('a cluster node without a port, or a URL in its place, is refused by name', async (t) => {
  for (const bad of ['127.0.0.1', 'redis://127.0.0.1:7001', '127.0.0.1:7001,,x', ' , ']) {
    const error = t.throws(() => parseConfig(schema, { REDIS_URL, REDIS_CLUSTER_NODES: bad }), bad) as ConfigError;
    t.match(error.message, /REDIS_CLUSTER_NODES: must be host:port/, bad);
  }
});
