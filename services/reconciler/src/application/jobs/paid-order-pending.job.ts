/**
 * A payment succeeded and its order is still PENDING: its `payment.completed` was lost or is stuck
 * (docs/consistency.md, "paid-order-pending"). The repair applies what the order service's handler
 * would have: PAID with the payment's id, then CONFIRMED when the order's stock is already committed.
 *
 * A consumer lagging behind is normal, so the job waits `paidPendingAfterMs` — except for an order
 * already past its payment deadline: that one would be expired (and its payment refunded) by
 * whichever expiry runs next, so it is paid at once. With `overdue-pending` doing the same, the
 * order in which the two jobs run does not matter.
 *
 * Orders and payments live in two databases (ADR 0010): the PENDING orders are read in keyset
 * pages from the order database and each page's COMPLETED payments from the payment database.
 */
import { withTransaction } from '@flash-sale/service-kit';
import type { RowDataPacket } from 'mysql2/promise';
import { SCAN_PAGE, selectIn, type ServiceDatabases } from '../../infra/service-databases.ts';
import { confirmIfReady, transitionOrder } from '../repairs/order-transition.ts';
import { Tally, type JobDeps, type ReconciliationJob } from './job.ts';

interface PendingRow extends RowDataPacket {
  id: string;
  expires_at: string;
  overdue: number;
}

interface PaymentRow extends RowDataPacket {
  order_id: string;
  payment_id: string;
  transaction_id: string | null;
  settled: number;
}

/** As before the split: a run repairs at most this many; the next run takes the rest. */
const MAX_REPAIRS_PER_RUN = 1000;

export const paidOrderPendingJob: ReconciliationJob = {
  name: 'paid-order-pending',
  description: 'COMPLETED payments whose order is still PENDING after the grace period: pay (and confirm) the order',
  everyMs: 60_000,
  async run(deps: JobDeps) {
    const tally = new Tally(deps.logger);
    const now = deps.now();
    const cutoff = new Date(now.getTime() - deps.thresholds.paidPendingAfterMs);
    // Driven from the PENDING orders (a sale's in-flight orders, not every payment ever made), a
    // keyset page at a time; each page asks the payment database about those orders only.
    let after: [string, string] | undefined;
    let found = 0;
    while (found < MAX_REPAIRS_PER_RUN) {
      const [orders] = await deps.databases.order.query<PendingRow[]>(
        `SELECT id, expires_at, expires_at <= ? AS overdue FROM orders
          WHERE status = 'PENDING' ${after ? 'AND (expires_at, id) > (?, ?)' : ''} ORDER BY expires_at, id LIMIT ?`,
        [now, ...(after ?? []), SCAN_PAGE],
      );
      const last = orders.at(-1);
      if (!last) break;
      after = [last.expires_at, last.id];
      const overdue = new Set(orders.filter((order) => Number(order.overdue) === 1).map((order) => String(order.id)));
      const payments = await selectIn<PaymentRow>(
        deps.databases.payment,
        `SELECT order_id, id AS payment_id, transaction_id, updated_at <= ? AS settled FROM payments WHERE status = 'COMPLETED' AND order_id IN (?) ORDER BY updated_at`,
        orders.map((order) => String(order.id)),
        [cutoff],
      );
      for (const row of payments) {
        // A consumer lagging behind is normal; an order past its deadline cannot wait for it.
        if (Number(row.settled) !== 1 && !overdue.has(String(row.order_id))) continue;
        tally.checked += 1;
        found += 1;
        tally.found('payment_completed_order_pending', row.order_id);
        await tally.repair('payment_completed_order_pending', row.order_id, () =>
          payOrderFromPayment(deps, { orderId: row.order_id, paymentId: row.payment_id, transactionId: row.transaction_id }),
        );
      }
      if (orders.length < SCAN_PAGE) break;
    }
    return tally.outcome();
  },
};

/** PENDING → PAID with the payment's id, then CONFIRMED if the stock is committed; false when the order moved on. */
export async function payOrderFromPayment(
  deps: { databases: Pick<ServiceDatabases, 'order'>; now: () => Date },
  payment: { orderId: string; paymentId: string; transactionId: string | null },
): Promise<boolean> {
  return withTransaction(deps.databases.order, async (tx) => {
    const at = deps.now();
    const paid = await transitionOrder(tx, {
      orderId: payment.orderId,
      command: 'pay',
      cause: `payment ${payment.paymentId} completed (transaction ${payment.transactionId ?? 'unknown'}) but the order was never told`,
      now: at,
      paymentId: payment.paymentId,
    });
    if (!paid) return false;
    await confirmIfReady(tx, { orderId: payment.orderId, now: at });
    return true;
  });
}
