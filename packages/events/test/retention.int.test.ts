import { createTestDatabase } from '@flash-sale/testkit';
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { CONSUMER_DEDUPE_RETENTION_MS, platformMigrationsDir, purgeConsumerDedupe, purgeExpiredRows } from '../src/index.ts';

const db = await createTestDatabase(t.teardown.bind(t), { migrationsDirs: [platformMigrationsDir] });
const DAY_MS = 24 * 3600 * 1000;

async function seedDedupe(consumer: string, count: number, processedAt: Date): Promise<void> {
  const rows = Array.from({ length: count }, () => [consumer, randomUUID(), 'order.created.v1', 'orders', 0, 1, processedAt]);
  await db.pool.query('INSERT INTO consumer_dedupe (consumer, event_id, event_type, topic, kafka_partition, kafka_offset, processed_at) VALUES ?', [rows]);
}

const countOf = async (consumer: string) =>
  Number(((await db.pool.query('SELECT COUNT(*) AS n FROM consumer_dedupe WHERE consumer = ?', [consumer])) as unknown as [Array<{ n: number }>])[0][0]!.n);

t.test('consumer dedupe rows are kept 30 days, then purged; younger rows stay', async (t) => {
  t.equal(CONSUMER_DEDUPE_RETENTION_MS, 30 * DAY_MS);
  const consumer = `c-${randomUUID()}`;
  const now = new Date();
  await seedDedupe(consumer, 25, new Date(now.getTime() - 31 * DAY_MS));
  await seedDedupe(consumer, 7, new Date(now.getTime() - 29 * DAY_MS));
  await seedDedupe(consumer, 3, now);
  const deleted = await purgeConsumerDedupe(db.pool, { now: () => now, batchSize: 10, pauseMs: 1 });
  t.equal(deleted, 25);
  t.equal(await countOf(consumer), 10, 'rows inside the retention are untouched');
});

t.test('a purge deletes in batches of the given size and stops after maxBatches, leaving the rest for the next run', async (t) => {
  const consumer = `c-${randomUUID()}`;
  const now = new Date();
  await seedDedupe(consumer, 2500, new Date(now.getTime() - 40 * DAY_MS));
  const first = await purgeConsumerDedupe(db.pool, { now: () => now, batchSize: 1000, pauseMs: 1, maxBatches: 2 });
  t.equal(first, 2000, 'two batches of 1000');
  t.equal(await countOf(consumer), 500);
  const second = await purgeConsumerDedupe(db.pool, { now: () => now, batchSize: 1000, pauseMs: 1, maxBatches: 2 });
  t.equal(second, 500);
  t.equal(await countOf(consumer), 0);
});

t.test('a table or column name that is not an identifier is refused before any SQL runs', async (t) => {
  await t.rejects(
    purgeExpiredRows(db.pool, { table: 'consumer_dedupe; DROP TABLE outbox', keyColumns: ['consumer'], expiryColumn: 'processed_at', before: new Date() }),
    /unsafe identifier/,
  );
});
