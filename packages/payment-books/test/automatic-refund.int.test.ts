import { randomUUID } from 'node:crypto';
import { createTestDatabase } from '@flash-sale/testkit';
import type { RowDataPacket } from 'mysql2/promise';
import t from 'tap';
import { requestAutomaticRefund, type RefundablePayment } from '../src/index.ts';

// The tables as the payment service's migrations create them.
const paymentMigrationsDir = new URL('../../../services/payment/migrations', import.meta.url).pathname;
const db = await createTestDatabase(t.teardown.bind(t), { migrationsDirs: [paymentMigrationsDir], prefix: 'pb' });
const NOW = new Date('2026-11-30T12:00:00.000Z');

const payment = (): RefundablePayment => ({ id: randomUUID(), orderId: randomUUID(), tenantId: 'tenant-a', amountMinor: 4999, currency: 'EUR' });

async function rowsOf(paymentId: string) {
  const [refunds] = await db.pool.query<RowDataPacket[]>(
    'SELECT id, order_id, tenant_id, amount_minor, currency, reason, initiated_by, requested_by, status FROM refunds WHERE payment_id = ?',
    [paymentId],
  );
  const [history] = await db.pool.query<RowDataPacket[]>(
    'SELECT from_status, to_status, accepted, cause, details FROM payment_status_history WHERE payment_id = ?',
    [paymentId],
  );
  return { refunds: refunds.map((row) => ({ ...row })), history: history.map((row) => ({ ...row, details: JSON.parse(String(row.details)) as unknown })) };
}

t.test('the first request writes a REQUESTED refund and the history row that states it', async (t) => {
  const paid = payment();
  const asked = await requestAutomaticRefund(
    db.pool,
    paid,
    { requestedBy: 'payment-service', reason: 'order expired after its payment completed', details: { order_event_id: 'e-1' } },
    NOW,
  );
  t.equal(asked.created, true);
  const { refunds, history } = await rowsOf(paid.id);
  t.same(refunds, [
    {
      id: asked.refundId,
      order_id: paid.orderId,
      tenant_id: 'tenant-a',
      amount_minor: 4999,
      currency: 'EUR',
      reason: 'order expired after its payment completed',
      initiated_by: 'automatic',
      requested_by: 'payment-service',
      status: 'REQUESTED',
    },
  ]);
  t.same(history, [
    {
      from_status: 'COMPLETED',
      to_status: 'COMPLETED',
      accepted: 1,
      cause: 'refund.requested.automatic',
      details: { refund_id: asked.refundId, reason: 'order expired after its payment completed', order_event_id: 'e-1' },
    },
  ]);
});

t.test('whoever asks second gets the first refund and writes nothing', async (t) => {
  const paid = payment();
  const first = await requestAutomaticRefund(db.pool, paid, { requestedBy: 'payment-service', reason: 'order cancelled' }, NOW);
  const second = await requestAutomaticRefund(db.pool, paid, { requestedBy: 'reconciler', reason: 'inventory refused the order' }, NOW);
  t.same(second, { refundId: first.refundId, created: false });
  const { refunds, history } = await rowsOf(paid.id);
  t.equal(refunds.length, 1);
  t.equal(refunds[0]?.requested_by, 'payment-service');
  t.equal(history.length, 1, 'one history row: the refund asked for once');
});

t.test('two concurrent requests make one refund', async (t) => {
  const paid = payment();
  const answers = await Promise.all([
    requestAutomaticRefund(db.pool, paid, { requestedBy: 'payment-service', reason: 'a' }, NOW),
    requestAutomaticRefund(db.pool, paid, { requestedBy: 'reconciler', reason: 'b' }, NOW),
  ]);
  t.same(answers.map((answer) => answer.created).sort(), [false, true]);
  t.equal(answers[0]?.refundId, answers[1]?.refundId, 'both name the one refund');
  const { refunds, history } = await rowsOf(paid.id);
  t.equal(refunds.length, 1);
  t.equal(history.length, 1);
});

t.test('a reason longer than the column is cut, not refused', async (t) => {
  const paid = payment();
  await requestAutomaticRefund(db.pool, paid, { requestedBy: 'reconciler', reason: 'x'.repeat(300) }, NOW);
  const { refunds } = await rowsOf(paid.id);
  t.equal(String(refunds[0]?.reason).length, 200);
});
