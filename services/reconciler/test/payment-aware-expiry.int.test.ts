// Expiry never fights a payment. The order service's own sweep (asking the real payment route over
// HTTP) and the reconciler's overdue and paid-order jobs (reading the payment schema) run against
// the same books in every order: a paid order ends paid, never EXPIRED plus a refund.
//
// This is the one test that needs two services' code in one process (the race is between them), so
// it imports the order sweep and the payment route by path; production code never does.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { authPlugin, createBaseApp, createMetricsRegistry, docsPlugin, ServiceClient } from '@flash-sale/service-kit';
import type { RowDataPacket } from 'mysql2/promise';
import { pino } from 'pino';
import t from 'tap';
import { expireDueOrders } from '../../order/src/application/expire-orders.ts';
import { HttpPaymentStatusReader } from '../../order/src/infra/payment-status.client.ts';
import { internalRoutes } from '../../payment/src/http/internal.routes.ts';
import { runJob } from '../src/application/run-job.ts';
import { overduePendingJob } from '../src/application/jobs/overdue-pending.job.ts';
import { paidOrderPendingJob } from '../src/application/jobs/paid-order-pending.job.ts';
import { advance, createFixture, type Fixture } from './support/reconciler-fixture.ts';

const JWT_SECRET = 'test-jwt-secret-of-enough-length';
type Runner = 'order sweep' | 'overdue-pending' | 'paid-order-pending';

/** The payment service's internal route over the fixture's payment schema, on a real port, and the order sweep asking it. */
async function withPaymentService(t: { teardown: (fn: () => unknown) => void }, f: Fixture) {
  const app = await createBaseApp({ logger: pino({ level: 'silent' }), metrics: createMetricsRegistry('payment-test'), readiness: [] });
  // The route declares zod schemas, as every payment route does: the docs plugin compiles them.
  await app.register(docsPlugin, { title: 'payment', version: 'test', description: 'the internal route only' });
  await app.register(authPlugin, { secret: JWT_SECRET });
  await app.register(internalRoutes, { pool: f.payment.pool, now: f.deps.now });
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  const client = new ServiceClient({ baseUrl: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, secret: JWT_SECRET, caller: 'order' });
  const payments = new HttpPaymentStatusReader(client);
  return {
    sweep: () => expireDueOrders({ pool: f.order.pool, now: f.deps.now, payments }),
    run: async (runner: Runner) => {
      if (runner === 'order sweep') return expireDueOrders({ pool: f.order.pool, now: f.deps.now, payments });
      return runJob(f.deps, runner === 'overdue-pending' ? overduePendingJob : paidOrderPendingJob, 'test');
    },
  };
}

async function insertPayment(f: Fixture, orderId: string, status: 'COMPLETED' | 'PENDING'): Promise<string> {
  const paymentId = randomUUID();
  await f.payment.pool.query(
    "INSERT INTO payments (id, order_id, tenant_id, user_id, amount_minor, currency, status, transaction_id, created_at, updated_at) VALUES (?, ?, 't1', 'u', 1000, 'EUR', ?, ?, ?, ?)",
    [paymentId, orderId, status, status === 'COMPLETED' ? `tx-${paymentId}` : null, f.clock.now, f.clock.now],
  );
  return paymentId;
}

async function orderRow(f: Fixture, orderId: string): Promise<RowDataPacket> {
  const [rows] = await f.order.pool.query<RowDataPacket[]>('SELECT * FROM orders WHERE id = ?', [orderId]);
  return rows[0] as RowDataPacket;
}

async function count(pool: Fixture['order']['pool'], sql: string, params: unknown[] = []): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>(sql, params);
  return Number(rows[0]?.n);
}

const orders: Runner[][] = [
  ['order sweep', 'overdue-pending', 'paid-order-pending'],
  ['overdue-pending', 'order sweep', 'paid-order-pending'],
  ['paid-order-pending', 'overdue-pending', 'order sweep'],
];

for (const sequence of orders) {
  t.test(
    `a payment COMPLETED at the deadline whose payment.completed was lost ends CONFIRMED, never expired, no refund (${sequence.join(' → ')})`,
    async (t) => {
      const f = await createFixture(t.teardown.bind(t));
      const payment = await withPaymentService(t, f);
      const sale = await f.seedSale({ stock: 3, holdTtlSeconds: 60 });
      const orderId = await f.placeOrder(sale);
      await f.commitStock(sale, orderId);
      // The shopper paid in the last second; the event that would tell the order service was lost.
      advance(f, 59_000);
      const paymentId = await insertPayment(f, orderId, 'COMPLETED');
      advance(f, 60_000 + 61_000);

      for (const runner of sequence) await payment.run(runner);

      const order = await orderRow(f, orderId);
      t.equal(order.status, 'CONFIRMED');
      t.equal(order.payment_id, paymentId);
      const [history] = await f.order.pool.query<RowDataPacket[]>('SELECT to_status FROM order_status_history WHERE order_id = ? ORDER BY id', [orderId]);
      t.same(
        history.map((row) => row.to_status),
        ['PENDING', 'PAID', 'CONFIRMED'],
        'paid once, confirmed once, never expired',
      );
      t.equal(
        await count(f.order.pool, "SELECT COUNT(*) AS n FROM outbox WHERE event_type = 'order.expired.v1'"),
        0,
        'no order.expired for the payment service to refund on',
      );
      t.equal(await count(f.payment.pool, 'SELECT COUNT(*) AS n FROM refunds'), 0, 'no refund');
      t.match(await f.reservations.view(sale.saleId), { available: 2, held: 0, sold: 1 }, 'the unit stays sold');
      t.equal(await count(f.inventory.pool, "SELECT COUNT(*) AS n FROM stock_reservations WHERE order_id = ? AND status = 'committed'", [orderId]), 1);
    },
  );
}

t.test('a payment in flight keeps its overdue order from expiring, for a bounded time; an order with no payment expires as before', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const payment = await withPaymentService(t, f);
  const sale = await f.seedSale({ stock: 3, holdTtlSeconds: 60 });
  const paying = await f.placeOrder(sale);
  const pendingPaymentId = await insertPayment(f, paying, 'PENDING');
  const unpaid = await f.placeOrder(sale);
  advance(f, 60_000 + 61_000);

  t.match(await payment.sweep(), { checked: 2, expired: 1, postponed: 1, paid: 0, unverified: 0 });
  t.equal((await orderRow(f, unpaid)).status, 'EXPIRED', 'no payment at all: expired by the sweep');
  const held = await runJob(f.deps, overduePendingJob, 'test');
  t.same(held.anomalies, { pending_past_expiry_payment_in_flight: 1 });
  t.equal(held.repaired, 0);
  t.equal((await orderRow(f, paying)).status, 'PENDING', 'payment in flight: neither the sweep nor the job expired it');

  // The provider never settled it: past the in-flight bound the payment counts as failed.
  advance(f, 10 * 60_000);
  const run = await runJob(f.deps, overduePendingJob, 'test');
  t.same(run.anomalies, { pending_past_expiry: 1 });
  t.equal((await orderRow(f, paying)).status, 'EXPIRED');
  t.match(await payment.sweep(), { checked: 0, expired: 0 }, 'the sweep finds nothing left');
  // The job gave its order's unit back at once; the sweep's order waits for the inventory consumer of order.expired.
  t.match(await f.reservations.view(sale.saleId), { available: 2, held: 1, sold: 0 });
  t.ok(pendingPaymentId, 'the stale payment stays for the payment service to settle (and refund, should it still complete)');
});
