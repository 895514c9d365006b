/**
 * Seed 002: "payment succeeded, order still PENDING" (a lost or stuck `payment.completed`). The
 * repair applies what the order service's handler would have: PAID with the payment's id, then
 * CONFIRMED when the order's stock is already committed.
 *
 * A consumer lagging behind is normal, so the job waits `paidPendingAfterMs` — except for an order
 * already past its payment deadline: that one would be expired (and its payment refunded) by
 * whichever expiry runs next, so it is paid at once. With `overdue-pending` doing the same, the
 * order in which the two jobs run does not matter.
 */
import { withTransaction } from '@flash-sale/service-kit';
import type { RowDataPacket } from 'mysql2/promise';
import { transitionOrder } from '../repairs/order-transition.ts';
import { Tally, type JobDeps, type ReconciliationJob } from './job.ts';

interface Row extends RowDataPacket {
  order_id: string;
  payment_id: string;
  transaction_id: string | null;
}

export const paidOrderPendingJob: ReconciliationJob = {
  name: 'paid-order-pending',
  description: 'COMPLETED payments whose order is still PENDING after the grace period: pay (and confirm) the order',
  everyMs: 60_000,
  async run(deps: JobDeps) {
    const t = deps.tables;
    const tally = new Tally(deps.logger);
    const cutoff = new Date(deps.now().getTime() - deps.thresholds.paidPendingAfterMs);
    const [rows] = await deps.pool.query<Row[]>(
      `SELECT p.order_id, p.id AS payment_id, p.transaction_id
         FROM ${t.payment('payments')} p JOIN ${t.order('orders')} o ON o.id = p.order_id
        WHERE p.status = 'COMPLETED' AND o.status = 'PENDING' AND (p.updated_at <= ? OR o.expires_at <= ?)
        ORDER BY p.updated_at LIMIT 1000`,
      [cutoff, deps.now()],
    );
    tally.checked = rows.length;
    for (const row of rows) {
      tally.found('payment_completed_order_pending', row.order_id);
      await tally.repair('payment_completed_order_pending', row.order_id, () =>
        payOrderFromPayment(deps, { orderId: row.order_id, paymentId: row.payment_id, transactionId: row.transaction_id }),
      );
    }
    return tally.outcome();
  },
};

/** PENDING → PAID with the payment's id, then CONFIRMED if the stock is committed; false when the order moved on. */
export async function payOrderFromPayment(deps: Pick<JobDeps, 'pool' | 'tables' | 'now'>, payment: { orderId: string; paymentId: string; transactionId: string | null }): Promise<boolean> {
  const t = deps.tables;
  return withTransaction(deps.pool, async (tx) => {
    const at = deps.now();
    const paid = await transitionOrder(tx, t, {
      orderId: payment.orderId,
      command: 'pay',
      cause: `payment ${payment.paymentId} completed (transaction ${payment.transactionId ?? 'unknown'}) but the order was never told`,
      now: at,
      paymentId: payment.paymentId,
    });
    if (!paid) return false;
    const [committed] = await tx.query<RowDataPacket[]>(`SELECT stock_committed FROM ${t.order('orders')} WHERE id = ?`, [payment.orderId]);
    if (Number(committed[0]?.stock_committed) === 1) {
      await transitionOrder(tx, t, { orderId: payment.orderId, command: 'confirm', cause: 'paid and stock committed', now: at });
    }
    return true;
  });
}
