import { consumerOnTestTopics, createTestKafka } from '@flash-sale/events/testing';
import { waitFor } from '@flash-sale/testkit';
import type { RowDataPacket } from 'mysql2/promise';
import { Registry } from 'prom-client';
import t from 'tap';
import { inventoryHandlers } from '../src/workers/event-handlers.ts';
import { T0, TENANT, bookState, createInventoryEnv, events, seedArmedSale } from './fixtures/inventory-env.ts';

t.test('a redelivered order.created through the real consumer runtime: one decrement, one audit row', async (t) => {
  const teardown = t.teardown.bind(t);
  const env = await createInventoryEnv(teardown);
  const topics = await consumerOnTestTopics(teardown, await createTestKafka(teardown));

  const sale = await seedArmedSale(env, 10);
  for (const orderId of ['o-redelivered', 'o-sentinel']) {
    await env.reservations.reserve({ saleId: sale.saleId, tenantId: TENANT, orderId, userId: orderId, quantity: 1, nowMs: T0.getTime() });
  }

  const metrics = new Registry();
  await topics.start({
    consumer: 'inventory',
    pool: env.pool,
    logger: env.logger,
    metrics,
    handlers: inventoryHandlers({ reservations: env.reservations, now: () => T0 }),
  });

  const created = events.created('o-redelivered', sale, 1);
  // The same envelope twice (a producer retry or a replay), then a sentinel: one partition keeps
  // their order, so once the sentinel is handled the duplicate has been seen too.
  await topics.publish(created, created);
  await topics.publish(events.created('o-sentinel', sale, 1));

  await waitFor(async () => (await bookState(env.pool, sale.skuId, 'o-sentinel')).reservation, { what: 'sentinel handled', timeoutMs: 60_000 });
  const state = await bookState(env.pool, sale.skuId, 'o-redelivered');
  t.equal(state.stock, 8, 'one decrement per order');
  t.same(
    state.audit.filter((row) => row.ref_id === 'o-redelivered').map((row) => row.operation),
    ['decrease'],
    'one audit row',
  );
  t.same(state.outbox, ['stock.committed.v1', 'stock.committed.v1'], 'one stock.committed per order');
  const [dedupe] = await env.pool.query<RowDataPacket[]>('SELECT event_id FROM consumer_dedupe WHERE consumer = ?', ['inventory']);
  t.equal(dedupe.length, 2, 'two distinct events recorded');
  const processed = (await metrics.getSingleMetric('event_processed_total')?.get())?.values ?? [];
  const duplicates = processed.filter((value) => value.labels.outcome === 'duplicate').reduce((sum, value) => sum + value.value, 0);
  t.equal(duplicates, 1, 'the runtime skipped the redelivery by its dedupe row');
  t.same(await env.reservations.view(sale.saleId), { armedStock: 10, available: 8, held: 0, sold: 2 });
});
