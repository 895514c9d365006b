// Per-order books: every order Redis knows for an armed sale, compared with MySQL, repaired
// through the stock-reservation scripts where that is safe and reported where it is not.
import { randomUUID } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import t from 'tap';
import { runJob } from '../src/application/run-job.ts';
import { orderBooksJob } from '../src/application/jobs/order-books.job.ts';
import { advance, createFixture, type Fixture, type SeededSale } from './support/reconciler-fixture.ts';

async function booksOnly(f: Fixture, sale: SeededSale, orderId: string): Promise<void> {
  // What the inventory handler's transaction writes; its Redis commit afterwards failed.
  await f.inventory.pool.query(
    "INSERT INTO stock_reservations (order_id, tenant_id, sale_id, sku_id, quantity, status, committed_at) VALUES (?, ?, ?, ?, 1, 'committed', NOW(6))",
    [orderId, sale.tenantId, sale.saleId, sale.skuId],
  );
  await f.order.pool.query('UPDATE orders SET stock_committed = 1 WHERE id = ?', [orderId]);
}

async function redisState(f: Fixture, saleId: string, orderId: string): Promise<string | undefined> {
  const raw = await f.redis.hget(f.reservations.keys(saleId).orders, orderId);
  return raw ? (JSON.parse(raw) as { s: string }).s : undefined;
}

t.test('order-books commits a hold the books sold, releases the hold of an expired order, and reports what it must not repair', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const sale = await f.seedSale({ stock: 10 });
  const fine = await f.placeOrder(sale);
  await f.commitStock(sale, fine);
  const uncommitted = await f.placeOrder(sale);
  await booksOnly(f, sale, uncommitted);
  const expired = await f.placeOrder(sale);
  await f.setOrderStatus(expired, 'EXPIRED');
  // The order path released the hold although the order was written (a lost COMMIT acknowledgement).
  const releasedLive = await f.placeOrder(sale);
  await f.reservations.release({ saleId: sale.saleId, orderId: releasedLive, reason: 'order-write-failed' });
  const releasedSold = await f.placeOrder(sale);
  await f.commitStock(sale, releasedSold);
  await f.reservations.release({ saleId: sale.saleId, orderId: releasedSold, reason: 'test', restock: true });
  const soldInRedisOnly = await f.placeOrder(sale);
  await f.reservations.commit({ saleId: sale.saleId, orderId: soldInRedisOnly });
  // A hold with no order at all is orphan-holds' business, not this job's.
  const orphan = randomUUID();
  await f.reservations.reserve({ saleId: sale.saleId, tenantId: sale.tenantId, orderId: orphan, userId: 'someone', quantity: 1, nowMs: f.clock.now.getTime() });

  const early = await runJob(f.deps, orderBooksJob, 'test');
  t.equal(early.anomaliesFound, 0, 'within the grace period differences are work in flight');

  advance(f, 2 * 60_000 + 1000);
  const run = await runJob(f.deps, orderBooksJob, 'test');
  t.equal(run.checked, 7);
  t.same(run.anomalies, {
    hold_sold_in_books: 1,
    hold_of_finished_order: 1,
    live_order_released_in_redis: 1,
    sold_in_books_released_in_redis: 1,
    sold_in_redis_not_in_books: 1,
  });
  t.equal(run.repaired, 2);
  t.equal(run.failed, 0);
  t.equal(await redisState(f, sale.saleId, uncommitted), 'C', 'the books sold it: Redis now counts it sold');
  t.equal(await redisState(f, sale.saleId, expired), 'R', 'the expired order gave its hold back');
  t.equal(await redisState(f, sale.saleId, releasedLive), 'R', 'reported, not re-taken');
  t.equal(await redisState(f, sale.saleId, orphan), 'H', 'left to orphan-holds');
  t.match(await f.reservations.view(sale.saleId), { held: 1, sold: 3 });

  const [row] = (await f.runs('order-books')).slice(-1);
  t.match(row, { rows_checked: 7, anomalies_found: 5, repaired: 2, failed: 0 });
  t.ok(['hold_sold_in_books', 'hold_of_finished_order'].every((anomaly) => anomaly in (row?.anomalies_by_class as object)));
  t.ok(
    [uncommitted, expired, releasedLive, releasedSold, soldInRedisOnly].every((id) => (row?.sample_ids as string[]).includes(id)),
    'evidence names each order',
  );

  const again = await runJob(f.deps, orderBooksJob, 'test');
  t.same(
    again.anomalies,
    { live_order_released_in_redis: 1, sold_in_books_released_in_redis: 1, sold_in_redis_not_in_books: 1 },
    'only what needs a person is left',
  );
  t.equal(again.repaired, 0);
});

t.test('order-books checks a sale of 100,000 orders in chunks', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const sale = await f.seedSale({ stock: 100_000 });
  const total = 100_000;
  const chunk = 5000;
  const ordersKey = f.reservations.keys(sale.saleId).orders;
  const createdAt = new Date(f.clock.now.getTime() - 3600_000);
  let hold = '';
  for (let start = 0; start < total; start += chunk) {
    const ids = Array.from({ length: Math.min(chunk, total - start) }, (_, i) => `o-${String(start + i).padStart(6, '0')}-${randomUUID().slice(0, 8)}`);
    const pipeline = f.redis.pipeline();
    for (const id of ids) pipeline.hset(ordersKey, id, JSON.stringify({ s: 'C', q: 1, e: 0, u: `u-${id}` }));
    await pipeline.exec();
    await f.order.pool.query(
      `INSERT INTO orders (id, tenant_id, user_id, sale_id, sku_id, quantity, unit_price_minor, total_minor, currency, status, stock_committed, expires_at, created_at, updated_at) VALUES ?`,
      [ids.map((id) => [id, sale.tenantId, `u-${id}`, sale.saleId, sale.skuId, 1, 1000, 1000, 'EUR', 'CONFIRMED', 1, createdAt, createdAt, createdAt])],
    );
    await f.inventory.pool.query('INSERT INTO stock_reservations (order_id, tenant_id, sale_id, sku_id, quantity, status, committed_at) VALUES ?', [
      ids.map((id) => [id, sale.tenantId, sale.saleId, sale.skuId, 1, 'committed', createdAt]),
    ]);
    hold = ids[0] ?? hold;
  }
  // One order among them whose Redis commit was lost.
  await f.redis.hset(ordersKey, hold, JSON.stringify({ s: 'H', q: 1, e: 0, u: `u-${hold}` }));

  const started = process.hrtime.bigint();
  const run = await runJob(f.deps, orderBooksJob, 'test');
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  t.comment(`order-books over ${total} orders: ${seconds.toFixed(2)} s`);
  t.ok(run.checked >= total, 'every order was compared (HSCAN may repeat a field, never skip one)');
  t.same(run.anomalies, { hold_sold_in_books: 1 });
  t.equal(run.repaired, 1);
  t.equal(await redisState(f, sale.saleId, hold), 'C');
  t.ok(seconds < 60, 'bounded time');
  const [count] = await f.order.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM orders');
  t.equal(Number(count[0]?.n), total);
});
