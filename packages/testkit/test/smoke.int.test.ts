import { Cluster } from 'ioredis';
import t from 'tap';
import { createTestDatabase, createTestRedis, resolveServers } from '../src/index.ts';

t.test('the servers are real and found', async (t) => {
  const servers = await resolveServers();
  t.ok(servers.mysqlAdminUrl.startsWith('mysql://'));
  t.ok(servers.kafkaBrokers.length > 0);
});

t.test('mysql2: a transaction commits, another rolls back', async (t) => {
  const db = await createTestDatabase(t.teardown.bind(t));
  await db.pool.query('CREATE TABLE probe (id INT PRIMARY KEY, note VARCHAR(20) NOT NULL) ENGINE=InnoDB');

  const committed = await db.pool.getConnection();
  await committed.beginTransaction();
  await committed.query('INSERT INTO probe VALUES (1, ?)', ['kept']);
  await committed.commit();
  committed.release();

  const rolledBack = await db.pool.getConnection();
  await rolledBack.beginTransaction();
  await rolledBack.query('INSERT INTO probe VALUES (2, ?)', ['dropped']);
  await rolledBack.rollback();
  rolledBack.release();

  const [rows] = await db.pool.query('SELECT id, note FROM probe ORDER BY id');
  t.same(rows, [{ id: 1, note: 'kept' }]);
});

t.test('ioredis: EVALSHA runs a loaded script atomically', async (t) => {
  const { redis, prefix } = await createTestRedis(t.teardown.bind(t));
  const script = "local v = redis.call('INCRBY', KEYS[1], ARGV[1]); return v";
  // A cluster node runs only the scripts loaded on it: load on every master, as a failover may move the slot.
  const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
  const [sha = ''] = (await Promise.all(nodes.map((node) => node.script('LOAD', script)))) as string[];
  t.equal(await redis.evalsha(sha, 1, `${prefix}counter`, 5), 5);
  t.equal(await redis.evalsha(sha, 1, `${prefix}counter`, 2), 7);
});
