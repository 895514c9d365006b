/**
 * Tenant scoping in the inventory consumer, through the real runtime, Kafka, MariaDB and Redis: an
 * order event whose tenant does not own the sale it would take stock from is quarantined with its
 * reason, the books do not move, and the partition goes on to the next event.
 */
import { orderCreated, prepareEvent, readDeadLetters, type Envelope } from '@flash-sale/events';
import { consumerOnTestTopics, createTestKafka } from '@flash-sale/events/testing';
import { waitFor } from '@flash-sale/testkit';
import type { RowDataPacket } from 'mysql2/promise';
import { Registry } from 'prom-client';
import t from 'tap';
import { inventoryBatchHandlers, inventoryHandlers } from '../src/workers/event-handlers.ts';
import { T0, TENANT, bookState, createInventoryEnv, events, seedArmedSale } from './fixtures/inventory-env.ts';

t.test("order.created of another tenant than the sale's: quarantined with TENANT_MISMATCH, the sale's books untouched, the next order handled", async (t) => {
  const teardown = t.teardown.bind(t);
  const env = await createInventoryEnv(teardown);
  const testKafka = await createTestKafka(teardown);
  const topics = await consumerOnTestTopics(teardown, testKafka);
  const sale = await seedArmedSale(env, 10);
  const held = await env.reservations.reserve({ saleId: sale.saleId, tenantId: TENANT, orderId: 'o-own', userId: 'u-own', quantity: 1, nowMs: T0.getTime() });
  if (!held.ok) throw new Error(`hold refused: ${held.code}`);

  // Two orders claiming tenant t2 for t1's sale, then t1's own: one fetch, so the batch handler
  // meets the mismatch first and the single-event handler then decides each event.
  const foreign = (orderId: string): Envelope =>
    prepareEvent(
      orderCreated,
      {
        order_id: orderId,
        sale_id: sale.saleId,
        sku_id: sale.skuId,
        quantity: 3,
        user_id: 'u-foreign',
        unit_price_minor: 1999,
        total_minor: 5997,
        currency: 'EUR',
        expires_at: new Date(T0.getTime() + 600_000).toISOString(),
      },
      { source: 'order', tenantId: 't2', correlationId: 'foreign' },
      T0,
    ).envelope;
  const sent = [foreign('o-foreign-1'), foreign('o-foreign-2'), events.created('o-own', sale, 1)];
  await topics.publish(...sent);

  const metrics = new Registry();
  const deps = { reservations: env.reservations, now: () => T0 };
  await topics.start({
    consumer: 'inventory',
    pool: env.pool,
    logger: env.logger,
    metrics,
    handlers: inventoryHandlers(deps),
    batchHandlers: inventoryBatchHandlers(deps),
  });

  await waitFor(async () => (await bookState(env.pool, sale.skuId, 'o-own')).reservation, {
    what: "t1's own order handled after the refused ones",
    timeoutMs: 60_000,
  });
  const quarantined = await waitFor(
    async () => {
      const records = await readDeadLetters(testKafka.kafka, topics.quarantineTopic);
      return records.length >= 2 ? records : undefined;
    },
    { what: 'two quarantine entries', timeoutMs: 30_000 },
  );

  t.same(
    quarantined.map(({ entry }) => ({
      kind: entry.kind,
      event: entry.event.id,
      code: entry.error.code,
      details: entry.error.details,
      attempts: entry.attempts,
    })),
    sent.slice(0, 2).map((event) => ({
      kind: 'quarantined',
      event: event.id,
      code: 'TENANT_MISMATCH',
      details: { event_tenant: 't2', aggregate_kind: 'flash_sale', aggregate_id: sale.saleId, aggregate_tenant: TENANT },
      attempts: 1,
    })),
    'each foreign order quarantined at its first attempt, with both tenants as the reason',
  );
  t.match(quarantined[0]?.entry.error.message, /event of tenant t2 refused: flash_sale .* belongs to tenant t1/);

  const state = await bookState(env.pool, sale.skuId, 'o-own');
  t.equal(state.stock, 9, 'only the own order took a unit from the SKU');
  t.same(
    state.audit.map((row) => row.ref_id),
    ['o-own'],
    'no audit row for a refused order',
  );
  t.same(state.outbox, ['stock.committed.v1'], 'no stock.committed for a refused order');
  const [refused] = await env.pool.query<RowDataPacket[]>("SELECT order_id FROM stock_reservations WHERE order_id LIKE 'o-foreign-%'");
  t.same(refused, [], 'no reservation row for a refused order');
  const [saleRow] = await env.pool.query<RowDataPacket[]>('SELECT allocated FROM flash_sales WHERE id = ?', [sale.saleId]);
  t.equal(Number(saleRow[0]?.allocated), 9, "the sale's allocation moved by the own order only");
  const [dedupe] = await env.pool.query<RowDataPacket[]>('SELECT event_id FROM consumer_dedupe WHERE consumer = ? ORDER BY event_id', ['inventory']);
  t.same(
    dedupe.map((row) => row.event_id as string),
    [sent[2]!.id],
    'a refused event leaves no dedupe row: a redrive would be judged again',
  );
  t.equal(await readDeadLetters(testKafka.kafka, topics.deadLetterTopic).then((records) => records.length), 0, 'nothing dead-lettered: refused, not failed');
  const quarantinedTotal = (await metrics.getSingleMetric('event_quarantined_total')?.get())?.values.reduce((sum, value) => sum + value.value, 0);
  t.equal(quarantinedTotal, 2);
  t.same(await env.reservations.view(sale.saleId), { armedStock: 10, available: 9, held: 0, sold: 1 }, 'Redis counts only the own order as sold');
});
