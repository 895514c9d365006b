/**
 * 10,000 events through the relay and two consumers of one group, the second joining midway (a
 * rebalance while partitions are busy): every event has its effect exactly once, and each
 * aggregate's events take effect in order.
 */
import t from 'tap';
import { Registry } from 'prom-client';
import { createTestDatabase, waitFor } from '@flash-sale/testkit';
import { createTestKafka } from '../src/testing/index.ts';
import { createEventConsumer, createOutboxRelay, orderCreated, platformMigrationsDir, prepareEvent, writeOutbox, type EventHandler } from '../src/index.ts';
import { captureLogs, count, metricValue } from './support/harness.ts';

const TOTAL = 10_000;
const AGGREGATES = 200;
const db = await createTestDatabase(t.teardown.bind(t), { migrationsDirs: [platformMigrationsDir] });
const { kafka, createTopic, groupId } = await createTestKafka(t.teardown.bind(t));
await db.pool.query(
  'CREATE TABLE effects (id BIGINT AUTO_INCREMENT PRIMARY KEY, event_id CHAR(36) NOT NULL, order_id VARCHAR(64) NOT NULL, seq INT NOT NULL, KEY (order_id, id))',
);
const topic = await createTopic({ numPartitions: 6 });
const definition = { ...orderCreated, topic };
const { logger } = captureLogs();
const metrics = new Registry();

const handler: EventHandler<{ order_id: string; quantity: number }> = async (event, ctx) => {
  await ctx.tx.query('INSERT INTO effects (event_id, order_id, seq) VALUES (?, ?, ?)', [event.id, event.payload.order_id, event.payload.quantity]);
};
const group = groupId();
const makeConsumer = () =>
  createEventConsumer({
    consumer: 'inventory',
    groupId: group,
    kafka,
    pool: db.pool,
    logger,
    metrics,
    handlers: { [orderCreated.type]: handler },
    topicFor: () => topic,
    deadLetterTopic: `${topic}.dlq`,
    quarantineTopic: `${topic}.quarantine`,
    consumerConfig: { maxWaitTimeInMs: 200 },
  });

t.test('10,000 events, a rebalance in the middle: each handled exactly once in effect, in order per aggregate', async (t) => {
  const first = makeConsumer();
  const second = makeConsumer();
  const relay = createOutboxRelay({ pool: db.pool, kafka, logger, metrics, service: 'tenk', batchSize: 1000, pollIntervalMs: 20 });
  t.teardown(async () => {
    await relay.stop();
    await Promise.all([first.stop(), second.stop()]);
  });
  await first.start();
  await relay.start();

  // Producers write in transactions of 100 events; aggregate n gets seq 1, 2, 3, … in commit order.
  const seqs = new Map<number, number>();
  const produce = async (from: number, to: number) => {
    for (let written = from; written < to; written += 100) {
      const events = Array.from({ length: 100 }, (_, i) => {
        const aggregate = (written + i) % AGGREGATES;
        const seq = (seqs.get(aggregate) ?? 0) + 1;
        seqs.set(aggregate, seq);
        return prepareEvent(
          definition,
          {
            order_id: `order-${aggregate}`,
            sale_id: 's',
            sku_id: 'k',
            quantity: seq,
            user_id: 'u',
            unit_price_minor: 1,
            total_minor: 1,
            currency: 'EUR',
            expires_at: new Date().toISOString(),
          },
          { source: 'test', tenantId: 't', correlationId: 'c' },
          new Date(),
        );
      });
      await writeOutbox(db.pool, events);
    }
  };

  // Half the stream, then the second consumer joins while the first is mid-stream, then the rest:
  // a consumer applying chunks of events finishes 10,000 before a group join completes, so the
  // stream must still be flowing when the partitions move.
  await produce(0, TOTAL / 2);
  await waitFor(async () => (await count(db.pool, 'SELECT COUNT(*) FROM effects')) >= TOTAL / 4, { what: 'a quarter handled', timeoutMs: 120_000 });
  const joining = second.start(); // joins the group: partitions move while the first is mid-stream
  await produce(TOTAL / 2, TOTAL);
  await joining;
  t.ok((await count(db.pool, 'SELECT COUNT(*) FROM effects')) < TOTAL, 'the rebalance happened before the end');

  await waitFor(async () => (await count(db.pool, 'SELECT COUNT(*) FROM effects')) >= TOTAL, { what: `${TOTAL} effects`, timeoutMs: 240_000, intervalMs: 250 });
  await waitFor(async () => (await count(db.pool, 'SELECT COUNT(*) FROM outbox WHERE published_at IS NULL')) === 0, { what: 'outbox drained' });
  t.equal(await count(db.pool, 'SELECT COUNT(*) FROM effects'), TOTAL, 'no effect twice');
  t.equal(await count(db.pool, 'SELECT COUNT(DISTINCT event_id) FROM effects'), TOTAL, 'every event once');
  t.equal(await count(db.pool, 'SELECT COUNT(*) FROM consumer_dedupe'), TOTAL);
  t.equal(await metricValue(metrics, 'event_processed_total', { outcome: 'handled' }), TOTAL);
  // Order per aggregate: effect ids (commit order) follow the producers' seq for every order.
  t.equal(
    await count(db.pool, 'SELECT COUNT(*) FROM effects e JOIN effects f ON f.order_id = e.order_id AND f.id > e.id AND f.seq < e.seq'),
    0,
    'no aggregate handled out of order',
  );
});
