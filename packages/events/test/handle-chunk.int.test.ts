/**
 * One chunk, one MariaDB transaction (handle-chunk.ts), against a real server: a unit that fails
 * undoes only itself, and a unit whose failure ended the transaction (a deadlock, which InnoDB
 * answers by rolling all of it back) leaves nothing of the chunk, reported for its own reason.
 */
import t from 'tap';
import type { PoolConnection } from 'mysql2/promise';
import { createTestDatabase } from '@flash-sale/testkit';
import { createEnvelope } from '../src/envelope.ts';
import { handleChunk, type ChunkEvent, type ChunkUnit } from '../src/consumer/handle-chunk.ts';
import { platformMigrationsDir } from '../src/index.ts';

const db = await createTestDatabase(t.teardown.bind(t), { migrationsDirs: [platformMigrationsDir] });
await db.pool.query('CREATE TABLE effects (event_id CHAR(36) PRIMARY KEY)');
await db.pool.query('CREATE TABLE locks (id INT PRIMARY KEY)');
await db.pool.query('INSERT INTO locks (id) VALUES (1), (2)');
await db.pool.query('CREATE TABLE ballast (id INT AUTO_INCREMENT PRIMARY KEY, filler CHAR(10) NOT NULL)');

const CONSUMER = 'chunk-test';
const chunkOf = (count: number): ChunkEvent[] =>
  Array.from({ length: count }, (_, i) => ({
    delivery: { consumer: CONSUMER, topic: 'chunk-test-topic', partition: 0, offset: String(i) },
    envelope: createEnvelope('test.chunk.happened.v1', { n: i }, 'k', { source: 'test', correlationId: 'c', tenantId: 't1' }, new Date()),
  }));
const recordEffect = (event: ChunkEvent) => (tx: PoolConnection) =>
  tx.query('INSERT INTO effects (event_id) VALUES (?)', [event.envelope.id]).then(() => undefined);
const kept = async (events: ChunkEvent[]) => {
  const ids = events.map((event) => event.envelope.id);
  const [effects] = await db.pool.query('SELECT COUNT(*) AS n FROM effects WHERE event_id IN (?)', [ids]);
  const [dedupe] = await db.pool.query('SELECT COUNT(*) AS n FROM consumer_dedupe WHERE consumer = ? AND event_id IN (?)', [CONSUMER, ids]);
  return { effects: Number((effects as { n: number }[])[0]?.n), dedupe: Number((dedupe as { n: number }[])[0]?.n) };
};

t.test('a unit that throws undoes only itself: the units before it commit, the rest are not applied', async (t) => {
  const events = chunkOf(3);
  const result = await handleChunk(db.pool, CONSUMER, events, (fresh) =>
    fresh.map((event, i): ChunkUnit => ({
      events: [event],
      single: true,
      apply: i === 1 ? () => Promise.reject(new Error('handler refused')) : recordEffect(event),
    })),
  );
  t.equal(result.committed, true);
  if (!result.committed) return;
  t.same(
    result.done.map(({ event }) => event),
    [events[0]],
  );
  t.equal(result.stopped?.event, events[1]);
  t.match(result.stopped?.failure?.message, /handler refused/);
  t.same(await kept(events), { effects: 1, dedupe: 1 }, 'the first event is applied and remembered; the other two are neither');
});

t.test('a unit that dies in a deadlock leaves nothing of the chunk, and the chunk is reported for the deadlock', async (t) => {
  const events = chunkOf(3);
  // The other side of the deadlock carries more changes, so InnoDB chooses the chunk as its victim.
  const other = await db.pool.getConnection();
  t.teardown(() => other.release());
  await other.beginTransaction();
  await other.query('INSERT INTO ballast (filler) VALUES ?', [Array.from({ length: 500 }, () => ['x'])]);
  await other.query('SELECT id FROM locks WHERE id = 2 FOR UPDATE');
  let otherWaits: Promise<unknown> | undefined;
  const result = await handleChunk(db.pool, CONSUMER, events, (fresh) =>
    fresh.map((event, i): ChunkUnit => ({
      events: [event],
      single: true,
      apply:
        i === 1
          ? async (tx) => {
              await tx.query('SELECT id FROM locks WHERE id = 1 FOR UPDATE');
              otherWaits = other.query('SELECT id FROM locks WHERE id = 1 FOR UPDATE');
              await new Promise((resolve) => setTimeout(resolve, 200));
              await tx.query('SELECT id FROM locks WHERE id = 2 FOR UPDATE');
            }
          : recordEffect(event),
    })),
  );
  await otherWaits;
  await other.rollback();
  t.equal(result.committed, false);
  if (result.committed) return;
  t.match(result.error, { errno: 1213 }, "the unit's deadlock, not the savepoint the rollback took with it");
  t.same(await kept(events), { effects: 0, dedupe: 0 }, 'not even the unit before it: the caller applies all three one at a time');
});
