/**
 * The batch handler for `order.created`, through the real consumer runtime, Kafka, MySQL and
 * Redis: a sale's orders put on the books in shared multi-row statements leave them exactly as the
 * one-by-one handler would, and a batch it cannot decide falls back to that handler.
 */
import t, { type Test } from 'tap';
import { Registry } from 'prom-client';
import type { RowDataPacket } from 'mysql2/promise';
import { readDeadLetters, type Envelope } from '@flash-sale/events';
import { consumerOnTestTopics, createTestKafka } from '@flash-sale/events/testing';
import { waitFor } from '@flash-sale/testkit';
import { inventoryBatchHandlers, inventoryHandlers } from '../src/workers/event-handlers.ts';
import { T0, TENANT, applyInTransaction, bookState, createInventoryEnv, events, seedArmedSale } from './fixtures/inventory-env.ts';

const env = await createInventoryEnv(t.teardown.bind(t));
const testKafka = await createTestKafka(t.teardown.bind(t));
const deps = { reservations: env.reservations, now: () => T0 };
const handlers = inventoryHandlers(deps);

/** One consumer with the batch handler over a fresh one-partition topic, so the events arrive as one batch. */
async function consume(t: Test, envelopes: Envelope[]) {
  const topics = await consumerOnTestTopics(t.teardown.bind(t), testKafka);
  const { topic, deadLetterTopic: dlq } = topics;
  await topics.publish(...envelopes);
  await topics.start({
    consumer: 'inventory',
    pool: env.pool,
    logger: env.logger,
    metrics: new Registry(),
    handlers,
    batchHandlers: inventoryBatchHandlers(deps),
    retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 20 },
  });
  const handled = async () => {
    const [rows] = await env.pool.query<RowDataPacket[]>(
      'SELECT COUNT(*) AS n, COUNT(DISTINCT processed_at) AS transactions FROM consumer_dedupe WHERE topic = ?',
      [topic],
    );
    return { n: Number(rows[0]!.n), transactions: Number(rows[0]!.transactions) };
  };
  return { topic, dlq, handled };
}

const hold = async (saleId: string, orderId: string, quantity = 1) => {
  const held = await env.reservations.reserve({ saleId, tenantId: TENANT, orderId, userId: `u-${orderId}`, quantity, nowMs: T0.getTime() });
  if (!held.ok) throw new Error(`hold refused: ${held.code}`);
};

async function books(saleId: string, skuId: string, orderIds: string[]) {
  const state = await bookState(env.pool, skuId);
  const [sale] = await env.pool.query<RowDataPacket[]>('SELECT allocated FROM flash_sales WHERE id = ?', [saleId]);
  const [sku] = await env.pool.query<RowDataPacket[]>('SELECT allocated FROM skus WHERE id = ?', [skuId]);
  const [reservations] = await env.pool.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM stock_reservations WHERE sale_id = ? AND status = 'committed'", [
    saleId,
  ]);
  const [committed] = await env.pool.query<RowDataPacket[]>(
    "SELECT COUNT(*) AS n FROM outbox WHERE event_type = 'stock.committed.v1' AND JSON_VALUE(envelope, '$.payload.sale_id') = ?",
    [saleId],
  );
  return {
    stock: state.stock,
    saleAllocated: Number(sale[0]!.allocated),
    skuAllocated: Number(sku[0]!.allocated),
    decreases: state.audit
      .filter((row) => row.operation === 'decrease')
      .map((row) => row.ref_id)
      .sort(),
    committedReservations: Number(reservations[0]!.n),
    stockCommittedEvents: Number(committed[0]!.n),
    redis: await env.reservations.view(saleId),
    orders: orderIds.length,
  };
}

t.test("a batch of one sale's orders leaves the books exactly as applying them one by one does", async (t) => {
  const orderIds = Array.from({ length: 30 }, (_, i) => `batch-${i}-${T0.getTime()}-${Math.random().toString(36).slice(2, 8)}`);
  // The same 30 orders over two identical sales: one through the runtime with the batch handler,
  // one through the single-event handler, event by event.
  const batched = await seedArmedSale(env, 50);
  const single = await seedArmedSale(env, 50);
  for (const orderId of orderIds) {
    await hold(batched.saleId, orderId);
    await hold(single.saleId, `${orderId}-single`);
  }
  for (const orderId of orderIds) await applyInTransaction(env.pool, env.logger, handlers['order.created.v1']!, events.created(`${orderId}-single`, single, 1));

  const run = await consume(
    t,
    orderIds.map((orderId) => events.created(orderId, batched, 1)),
  );
  await waitFor(async () => (await run.handled()).n === 30, { what: '30 events handled', timeoutMs: 30_000 });
  const { transactions } = await run.handled();
  t.ok(transactions <= 3, `the 30 events committed in ${transactions} transaction(s)`);

  const expected = await books(single.saleId, single.skuId, orderIds);
  const actual = await books(batched.saleId, batched.skuId, orderIds);
  t.same(
    { ...actual, decreases: actual.decreases.length },
    { ...expected, decreases: expected.decreases.length },
    'stock, allocations, audit, reservations, follow-up events and Redis agree',
  );
  t.same(actual.decreases, [...orderIds].sort(), 'one decrease per order');
  t.same(actual.redis, { armedStock: 50, available: 20, held: 0, sold: 30 });
});

t.test(
  'a batch it cannot decide goes one by one: a known order is skipped, the order the books cannot cover is dead-lettered, the others are applied once',
  async (t) => {
    const sale = await seedArmedSale(env, 5);
    const suffix = Math.random().toString(36).slice(2, 8);
    const orderIds = Array.from({ length: 6 }, (_, i) => `fallback-${i}-${suffix}`);
    for (const orderId of orderIds.slice(0, 5)) await hold(sale.saleId, orderId);
    // The first order is on the books already (a redelivery under another event id).
    await applyInTransaction(env.pool, env.logger, handlers['order.created.v1']!, events.created(orderIds[0]!, sale, 1));
    // The sixth was never held: five units, six orders.
    const run = await consume(
      t,
      orderIds.map((orderId) => events.created(orderId, sale, 1)),
    );
    await waitFor(async () => (await run.handled()).n === 5, { what: 'five events handled', timeoutMs: 30_000 });
    const dead = await waitFor(
      async () => {
        const records = await readDeadLetters(testKafka.kafka, run.dlq);
        return records.length > 0 ? records : undefined;
      },
      { what: 'the dead-letter entry', timeoutMs: 30_000 },
    );

    t.equal(dead.length, 1);
    t.match(dead[0]!.entry.error, { code: 'HANDLER_TERMINAL_ERROR' });
    const state = await books(sale.saleId, sale.skuId, orderIds);
    t.equal(state.stock, 0, 'five units sold, none twice');
    t.same(state.decreases, orderIds.slice(0, 5).sort(), 'one decrease for each covered order, none for the sixth');
    t.equal(state.committedReservations, 5);
    t.equal(state.stockCommittedEvents, 5);
  },
);
