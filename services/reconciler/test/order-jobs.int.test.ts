// Anomalies of the order lifecycle, each created for real in the books, then found, repaired and
// recorded by its job.
import { randomUUID } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import t from 'tap';
import { runJob } from '../src/application/run-job.ts';
import { overduePendingJob } from '../src/application/jobs/overdue-pending.job.ts';
import { paidOrderPendingJob } from '../src/application/jobs/paid-order-pending.job.ts';
import { unreturnedStockJob } from '../src/application/jobs/unreturned-stock.job.ts';
import { advance, createFixture, type Fixture } from './support/reconciler-fixture.ts';

async function orderRow(f: Fixture, orderId: string): Promise<RowDataPacket> {
  const [rows] = await f.order.pool.query<RowDataPacket[]>('SELECT * FROM orders WHERE id = ?', [orderId]);
  return rows[0] as RowDataPacket;
}

async function completePayment(f: Fixture, orderId: string): Promise<string> {
  const paymentId = randomUUID();
  await f.payment.pool.query(
    "INSERT INTO payments (id, order_id, tenant_id, user_id, amount_minor, currency, status, transaction_id, created_at, updated_at) VALUES (?, ?, 't1', 'u', 1000, 'EUR', 'COMPLETED', ?, ?, ?)",
    [paymentId, orderId, `tx-${paymentId}`, f.clock.now, f.clock.now],
  );
  return paymentId;
}

t.test('payment COMPLETED while its order stays PENDING: paid and confirmed after 5 minutes, not before', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const sale = await f.seedSale();
  const committed = await f.placeOrder(sale);
  await f.commitStock(sale, committed);
  const uncommitted = await f.placeOrder(sale);
  // The payment service completed both payments; the order consumer never saw `payment.completed`.
  const paymentId = await completePayment(f, committed);
  await completePayment(f, uncommitted);

  const early = await runJob(f.deps, paidOrderPendingJob, 'test');
  t.equal(early.anomaliesFound, 0, 'within 5 minutes a lagging consumer is not an anomaly');

  advance(f, 5 * 60_000 + 1000);
  const run = await runJob(f.deps, paidOrderPendingJob, 'test');
  t.same(run.anomalies, { payment_completed_order_pending: 2 });
  t.equal(run.repaired, 2);
  t.equal(run.failed, 0);
  const confirmed = await orderRow(f, committed);
  t.equal(confirmed.status, 'CONFIRMED', 'stock committed: paid then confirmed');
  t.equal(confirmed.payment_id, paymentId);
  t.equal((await orderRow(f, uncommitted)).status, 'PAID', 'stock not committed yet: paid, waiting for stock.committed');
  const [history] = await f.order.pool.query<RowDataPacket[]>('SELECT to_status, cause FROM order_status_history WHERE order_id = ? ORDER BY id', [committed]);
  t.same(
    history.map((row) => row.to_status),
    ['PENDING', 'PAID', 'CONFIRMED'],
  );
  t.match(String(history[1]?.cause), /^reconciler: payment/);

  const [row] = await f.runs('paid-order-pending').then((rows) => rows.slice(-1));
  t.match(row, { rows_checked: 2, anomalies_found: 2, repaired: 2, failed: 0, outcome: 'completed' });
  t.ok((row?.sample_ids as string[]).includes(committed));
  t.equal((await runJob(f.deps, paidOrderPendingJob, 'test')).anomaliesFound, 0, 'a second run finds nothing');
});

t.test('PENDING order past expiry that the sweep missed: expired, event written, stock back in books and Redis', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const sale = await f.seedSale({ stock: 5, holdTtlSeconds: 60 });
  const held = await f.placeOrder(sale, { quantity: 2 });
  const committed = await f.placeOrder(sale, { quantity: 1 });
  await f.commitStock(sale, committed);
  t.match(await f.reservations.view(sale.saleId), { available: 2, held: 2, sold: 1 });

  advance(f, 60_000 + 61_000);
  const run = await runJob(f.deps, overduePendingJob, 'test');
  t.same(run.anomalies, { pending_past_expiry: 2 });
  t.equal(run.repaired, 2);
  t.equal((await orderRow(f, held)).status, 'EXPIRED');
  t.equal((await orderRow(f, committed)).status, 'EXPIRED');
  const [outbox] = await f.order.pool.query<RowDataPacket[]>("SELECT partition_key FROM outbox WHERE event_type = 'order.expired.v1' ORDER BY partition_key");
  t.same(outbox.map((row) => row.partition_key).sort(), [held, committed].sort(), 'order.expired in the order outbox, one per order');
  t.match(await f.reservations.view(sale.saleId), { available: 5, held: 0, sold: 0 }, 'Redis got every unit back');
  const [sku] = await f.inventory.pool.query<RowDataPacket[]>('SELECT stock FROM skus WHERE id = ?', [sale.skuId]);
  t.equal(Number(sku[0]?.stock), 5, 'books got the committed unit back');
  const [audit] = await f.inventory.pool.query<RowDataPacket[]>("SELECT ref_id, stock_delta FROM inventory_audit WHERE operation = 'release'");
  t.same(
    audit.map((row) => [row.ref_id, Number(row.stock_delta)]),
    [[committed, 1]],
  );
  const [reservations] = await f.inventory.pool.query<RowDataPacket[]>('SELECT order_id, status FROM stock_reservations ORDER BY status');
  t.same(Object.fromEntries(reservations.map((row) => [row.order_id, row.status])), { [held]: 'released_before_created', [committed]: 'released' });
  t.match((await f.runs('overdue-pending'))[0], { anomalies_found: 2, repaired: 2, failed: 0 });
  t.equal((await runJob(f.deps, overduePendingJob, 'test')).anomaliesFound, 0);
});

t.test('a dropped release: CANCELLED in SQL with nothing given back, and a restocking refund never audited', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const sale = await f.seedSale({ stock: 4 });
  const cancelled = await f.placeOrder(sale, { quantity: 2 });
  await f.commitStock(sale, cancelled);
  const refunded = await f.placeOrder(sale, { quantity: 1 });
  await f.commitStock(sale, refunded);
  await f.setOrderStatus(refunded, 'PAID');
  await f.setOrderStatus(refunded, 'REFUNDED');
  const shippedRefund = await f.placeOrder(sale, { quantity: 1 });
  await f.commitStock(sale, shippedRefund);
  await f.setOrderStatus(shippedRefund, 'SHIPPED');
  await f.setOrderStatus(shippedRefund, 'REFUNDED');
  // The cancellation's event was lost: the order is CANCELLED, its units still out everywhere.
  await f.setOrderStatus(cancelled, 'CANCELLED');
  t.match(await f.reservations.view(sale.saleId), { available: 0, sold: 4 });

  advance(f, 2 * 60_000 + 1000);
  const run = await runJob(f.deps, unreturnedStockJob, 'test');
  t.same(run.anomalies, { 'stock_not_returned:cancelled': 1, 'stock_not_returned:refunded': 2 });
  t.equal(run.repaired, 3);
  t.equal(run.failed, 0);
  t.match(await f.reservations.view(sale.saleId), { available: 3, held: 0, sold: 1 }, 'the shipped refund keeps its unit sold');
  const [sku] = await f.inventory.pool.query<RowDataPacket[]>('SELECT stock FROM skus WHERE id = ?', [sale.skuId]);
  t.equal(Number(sku[0]?.stock), 3);
  const [audit] = await f.inventory.pool.query<RowDataPacket[]>("SELECT ref_id, operation, stock_delta FROM inventory_audit WHERE operation <> 'decrease'");
  t.same(Object.fromEntries(audit.map((row) => [row.ref_id, [row.operation, Number(row.stock_delta)]])), {
    [cancelled]: ['release', 2],
    [refunded]: ['refund', 1],
    [shippedRefund]: ['refund', 0],
  });
  const [events] = await f.inventory.pool.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM outbox WHERE event_type = 'stock.released.v1'");
  t.equal(Number(events[0]?.n), 2, 'stock.released for the two orders whose units came back');
  t.match((await f.runs('unreturned-stock'))[0], { rows_checked: 3, anomalies_found: 3, repaired: 3 });
  t.equal((await runJob(f.deps, unreturnedStockJob, 'test')).anomaliesFound, 0, 'nothing left to compensate');
});
