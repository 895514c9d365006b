import t from 'tap';
import { Registry } from 'prom-client';
import type mysql from 'mysql2/promise';
import { createTestDatabase, waitFor } from '@flash-sale/testkit';
import { createTestKafka } from '../src/testing/index.ts';
import {
  createOutboxRelay,
  orderCancelled,
  outboxLag,
  platformMigrationsDir,
  prepareEvent,
  writeOutbox,
  defineEvent,
  type PendingEvent,
} from '../src/index.ts';
import { captureLogs, count, metricValue, readTopic, topicSize } from './support/harness.ts';

const db = await createTestDatabase(t.teardown.bind(t), { migrationsDirs: [platformMigrationsDir] });
const { kafka, createTopic } = await createTestKafka(t.teardown.bind(t));
const { logger } = captureLogs();
const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** An event of `orderId` on `topic`; `seq` rides in `reason` so tests can check order. */
function eventOn(topic: string, orderId: string, seq: number, traceparent?: string): PendingEvent {
  const definition = defineEvent({ ...orderCancelled, topic: `${topic.slice(0, topic.lastIndexOf('.'))}.v1` });
  return prepareEvent(
    definition,
    { order_id: orderId, sale_id: 's', sku_id: 'k', quantity: 1, reason: String(seq) },
    { source: 'test', tenantId: 'tenant-a', correlationId: `corr-${orderId}`, ...(traceparent ? { traceparent } : {}) },
    new Date(),
  );
}

async function insertCommitted(events: PendingEvent[]) {
  const conn = await db.pool.getConnection();
  try {
    await conn.beginTransaction();
    await writeOutbox(conn, events);
    await conn.commit();
  } finally {
    conn.release();
  }
}

t.beforeEach(async () => {
  await db.pool.query('DELETE FROM outbox');
});

t.test('a row committing late (lower id after a higher one) is published, not skipped', async (t) => {
  const topic = await createTopic({ numPartitions: 1 });
  const relay = createOutboxRelay({ pool: db.pool, kafka, logger, metrics: new Registry(), service: 'late', pollIntervalMs: 20 });
  t.teardown(() => relay.stop());

  const slow: mysql.PoolConnection = await db.pool.getConnection();
  t.teardown(() => slow.release());
  await slow.beginTransaction();
  await writeOutbox(slow, [eventOn(topic, 'late', 1, tp)]); // takes the lower id, commits last
  await insertCommitted([eventOn(topic, 'early', 2)]);

  t.equal(await relay.runOnce(), 1, 'only the committed row is visible');
  await slow.commit();
  t.equal(await relay.runOnce(), 1, 'the late row is found by the next scan');
  t.equal(await count(db.pool, 'SELECT COUNT(*) FROM outbox WHERE published_at IS NULL'), 0);
  t.same(await outboxLag(db.pool), { unpublished: 0, oldestAgeSeconds: 0 });

  const messages = await readTopic(kafka, topic, 2);
  const [late] = messages.filter(({ message }) => message.key?.toString() === 'late');
  t.ok(late, 'the late row reached the topic');
  const headers = Object.fromEntries(Object.entries(late!.message.headers ?? {}).map(([name, value]) => [name, String(value)]));
  const envelope = JSON.parse(late!.message.value!.toString()) as { id: string; correlation_id: string };
  t.same(headers, { 'event-id': envelope.id, 'event-type': 'order.cancelled.v1', 'correlation-id': 'corr-late', 'tenant-id': 'tenant-a', traceparent: tp });
});

t.test('two relays over interleaved events of one aggregate: the topic holds them in commit order', async (t) => {
  const topic = await createTopic({ numPartitions: 3 });
  const metrics = new Registry();
  const relays = ['relay-1', 'relay-2'].map((service) =>
    createOutboxRelay({ pool: db.pool, kafka, logger, metrics, service, batchSize: 7, pollIntervalMs: 10 }),
  );
  await Promise.all(relays.map((relay) => relay.start()));
  t.teardown(() => Promise.all(relays.map((relay) => relay.stop())));

  const total = 120;
  for (let seq = 1; seq <= total; seq += 1) {
    // Aggregates a and b interleave, in separate transactions committed one after another.
    await insertCommitted([eventOn(topic, seq % 2 === 0 ? 'a' : 'b', seq)]);
    if (seq === total / 2) {
      // Stop the current leader mid-stream: the other must take over without reordering.
      const leader = (await metricValue(metrics, 'outbox_relay_leader', { relay: 'relay-1' })) === 1 ? relays[0]! : relays[1]!;
      await leader.stop();
    }
  }
  await waitFor(async () => (await count(db.pool, 'SELECT COUNT(*) FROM outbox WHERE published_at IS NULL')) === 0, { what: 'all rows published' });
  t.ok((await metricValue(metrics, 'outbox_published_total', { relay: 'relay-1' })) > 0, 'relay-1 published');
  t.ok((await metricValue(metrics, 'outbox_published_total', { relay: 'relay-2' })) > 0, 'relay-2 published');

  const messages = await readTopic(kafka, topic, total);
  for (const key of ['a', 'b']) {
    const seqs = messages
      .filter(({ message }) => message.key?.toString() === key)
      .map(({ message }) => Number((JSON.parse(message.value!.toString()) as { payload: { reason: string } }).payload.reason));
    const expected = Array.from({ length: total }, (_, i) => i + 1).filter((seq) => (seq % 2 === 0 ? 'a' : 'b') === key);
    t.same(seqs, expected, `aggregate ${key} in commit order, each once`);
  }
});

t.test('a failed publish backs off on the row, holds its aggregate, not the others, then goes out', async (t) => {
  const goodTopic = await createTopic({ numPartitions: 1 });
  const missingTopic = `test.relay.missing${Date.now()}.v1`; // created later: the broker refuses it until then
  const metrics = new Registry();
  const relay = createOutboxRelay({ pool: db.pool, kafka, logger, metrics, service: 'retry', retry: { initialDelayMs: 2000, maxDelayMs: 2000 } });
  t.teardown(() => relay.stop());

  await insertCommitted([eventOn(missingTopic, 'x', 1)]);
  await insertCommitted([eventOn(goodTopic, 'y', 2)]);
  const [[clock]] = await db.pool.query<mysql.RowDataPacket[]>('SELECT NOW(6) AS now');
  t.equal(await relay.runOnce(), 1, 'the healthy topic is not held up');
  // At least the backoff's lower bound (half the delay) after the pass began, however long the pass took.
  const [rows] = await db.pool.query<mysql.RowDataPacket[]>(
    'SELECT attempts, last_error, next_attempt_at >= ? + INTERVAL 1 SECOND AS waiting, published_at FROM outbox WHERE partition_key = ?',
    [clock?.now, 'x'],
  );
  t.equal(rows[0]?.attempts, 1);
  t.match(String(rows[0]?.last_error), /.+/, 'the last error is kept on the row');
  t.equal(Number(rows[0]?.waiting), 1, 'the next attempt is a backoff later');
  t.equal(rows[0]?.published_at, null);
  t.equal(await metricValue(metrics, 'outbox_unpublished_events'), 1, 'lag counts the waiting row');
  t.ok((await metricValue(metrics, 'outbox_oldest_unpublished_age_seconds')) > 0, 'lag has an age');

  // A later event of the same aggregate must not overtake the waiting one.
  await insertCommitted([eventOn(missingTopic, 'x', 3)]);
  t.equal(await relay.runOnce(), 0, 'the aggregate waits behind its failed row');

  await createTopic({ topic: missingTopic, numPartitions: 1 });
  await waitFor(async () => (await relay.runOnce()) > 0 || (await count(db.pool, 'SELECT COUNT(*) FROM outbox WHERE published_at IS NULL')) === 0, {
    what: 'retry after backoff',
    timeoutMs: 30_000,
  });
  await waitFor(
    async () => {
      await relay.runOnce();
      return (await count(db.pool, 'SELECT COUNT(*) FROM outbox WHERE published_at IS NULL')) === 0;
    },
    { what: 'all published' },
  );
  const seqs = (await readTopic(kafka, missingTopic, 2)).map(
    ({ message }) => (JSON.parse(message.value!.toString()) as { payload: { reason: string } }).payload.reason,
  );
  t.same(seqs, ['1', '3'], 'in order after the retry');
});

t.test('published rows are purged after the retention, unpublished ones never', async (t) => {
  const topic = await createTopic({ numPartitions: 1 });
  const relay = createOutboxRelay({ pool: db.pool, kafka, logger, metrics: new Registry(), service: 'purge', retentionMs: 0 });
  t.teardown(() => relay.stop());
  await insertCommitted([eventOn(topic, 'p', 1), eventOn(topic, 'p', 2)]);
  const pending = await db.pool.getConnection();
  t.teardown(() => pending.release());
  await pending.beginTransaction();
  await writeOutbox(pending, [eventOn(topic, 'p', 3)]);
  t.equal(await relay.runOnce(), 2);
  await relay.runOnce();
  await pending.commit();
  t.equal(await count(db.pool, 'SELECT COUNT(*) FROM outbox'), 1, 'published rows gone, the uncommitted one survives');
  t.equal(await relay.runOnce(), 1);
  t.equal(await topicSize(kafka, topic), 3);
});
