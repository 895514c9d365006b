// Stock anomalies: Redis lost or drifted, MySQL stock off its audit, orphan holds of failed writes,
// and Redis flushed in the middle of a sale.
import { randomUUID } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import t from 'tap';
import { runJob } from '../src/application/run-job.ts';
import { orphanHoldsJob } from '../src/application/jobs/orphan-holds.job.ts';
import { redisRebuildJob } from '../src/application/jobs/redis-rebuild.job.ts';
import { stockDriftJob } from '../src/application/jobs/stock-drift.job.ts';
import { advance, createFixture, type Fixture, type SeededSale } from './support/reconciler-fixture.ts';

async function flushSale(f: Fixture, sale: SeededSale): Promise<void> {
  await f.redis.del(...Object.values(f.reservations.keys(sale.saleId)));
}

t.test('Redis lost a sale: the stock check says so, rebuilds it from MySQL, and the next run is clean', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const sale = await f.seedSale({ stock: 10 });
  const held = await f.placeOrder(sale, { quantity: 2 });
  const sold = await f.placeOrder(sale, { quantity: 3 });
  await f.commitStock(sale, sold);
  await f.setOrderStatus(sold, 'PAID');
  await flushSale(f, sale);

  const run = await runJob(f.deps, stockDriftJob, 'test');
  t.same(run.anomalies, { redis_sale_lost: 1 });
  t.equal(run.repaired, 1);
  t.match(await f.reservations.view(sale.saleId), { armedStock: 10, available: 5, held: 2, sold: 3 });
  t.equal(
    await f.deps.metrics.registry.getSingleMetricAsString('reconciler_redis_sales_lost').then((text) => /reconciler_redis_sales_lost\{[^}]*\} 1/.test(text)),
    true,
    'the loss is a metric',
  );
  const holds = await f.reservations.expiredHolds(sale.saleId, Number.MAX_SAFE_INTEGER);
  t.same(holds, [held], 'the PENDING order holds again, with its expiry');
  t.match((await f.runs('stock-drift'))[0], { anomalies_found: 1, repaired: 1, sample_ids: [sale.saleId] });
  t.equal((await runJob(f.deps, stockDriftJob, 'test')).anomaliesFound, 0);
});

t.test('drifted Redis counters and MySQL stock off its audit fold: both repaired from the books', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const sale = await f.seedSale({ stock: 6 });
  const order = await f.placeOrder(sale, { quantity: 2 });
  await f.commitStock(sale, order);
  await f.redis.hincrby(f.reservations.keys(sale.saleId).stock, 'available', 3);
  await f.inventory.pool.query('UPDATE skus SET stock = stock - 1 WHERE id = ?', [sale.skuId]);

  const run = await runJob(f.deps, stockDriftJob, 'test');
  t.same(run.anomalies, { redis_counter_drift: 1, mysql_stock_drift: 1 });
  t.equal(run.repaired, 2);
  t.match(await f.reservations.view(sale.saleId), { available: 4, held: 0, sold: 2 });
  const [sku] = await f.inventory.pool.query<RowDataPacket[]>('SELECT stock FROM skus WHERE id = ?', [sale.skuId]);
  t.equal(Number(sku[0]?.stock), 4, 'initial 6 + audit (-2)');
  t.match((await f.runs('stock-drift'))[0], { rows_checked: 2, anomalies_found: 2, repaired: 2, failed: 0 });
});

t.test('orphan hold of a failed MySQL write: released after the grace period, never a live order', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const sale = await f.seedSale({ stock: 5 });
  const orphan = randomUUID();
  const reserved = await f.reservations.reserve({
    saleId: sale.saleId,
    tenantId: 't1',
    orderId: orphan,
    userId: 'u-orphan',
    quantity: 2,
    nowMs: f.clock.now.getTime(),
  });
  t.ok(reserved.ok);
  const real = await f.placeOrder(sale);

  t.equal((await runJob(f.deps, orphanHoldsJob, 'test')).anomaliesFound, 0, 'inside the grace period the write may still land');
  advance(f, 2 * 60_000 + 1000);
  const run = await runJob(f.deps, orphanHoldsJob, 'test');
  t.same(run.anomalies, { orphan_hold: 1 });
  t.equal(run.checked, 2);
  t.equal(run.repaired, 1);
  t.match(await f.reservations.view(sale.saleId), { available: 4, held: 1 });
  t.same(await f.reservations.expiredHolds(sale.saleId, Number.MAX_SAFE_INTEGER), [real]);
  t.match((await f.runs('orphan-holds'))[1], { anomalies_found: 1, repaired: 1, sample_ids: [orphan] });
});

t.test('Redis flushed in the middle of a sale: one rebuild and the sale sells exactly its stock', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const sale = await f.seedSale({ stock: 20, perUserLimit: 1 });
  const first = await Promise.all(Array.from({ length: 8 }, () => f.placeOrder(sale)));
  for (const orderId of first.slice(0, 5)) await f.commitStock(sale, orderId);
  await flushSale(f, sale);
  await t.rejects(f.placeOrder(sale), /SALE_NOT_FOUND/, 'without its keys the sale refuses, it never oversells');

  const run = await runJob(f.deps, redisRebuildJob, 'test');
  t.same(run.anomalies, { redis_sale_lost: 1 });
  t.equal(run.repaired, 1);

  // 100 more buyers against the 12 units left.
  const outcomes = await Promise.allSettled(Array.from({ length: 100 }, () => f.placeOrder(sale)));
  const accepted = outcomes.filter((outcome) => outcome.status === 'fulfilled').length;
  t.equal(accepted, 12);
  t.match(await f.reservations.view(sale.saleId), { available: 0, held: 15, sold: 5 });
  const [count] = await f.order.pool.query<RowDataPacket[]>("SELECT COALESCE(SUM(quantity), 0) AS units FROM orders WHERE sale_id = ? AND status = 'PENDING'", [
    sale.saleId,
  ]);
  t.equal(Number(count[0]?.units), 20, 'orders in MySQL hold exactly the armed stock');
  t.equal((await runJob(f.deps, stockDriftJob, 'test')).anomaliesFound, 0, 'the stock check agrees');
});

t.test('the Redis rebuild leaves a sale whose keys exist alone', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const sale = await f.seedSale({ stock: 4 });
  const orphan = randomUUID();
  // A hold whose MySQL write is in flight: a rebuild of a live sale could lose it.
  await f.reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: orphan, userId: 'u', quantity: 1, nowMs: f.clock.now.getTime() });
  const run = await runJob(f.deps, redisRebuildJob, 'test');
  t.match(run, { checked: 1, anomaliesFound: 0, repaired: 0 });
  t.match(await f.reservations.view(sale.saleId), { available: 3, held: 1 });
});
