/**
 * PENDING orders well past `expires_at` (the order service's sweep missed them: its worker was
 * down, or its transaction failed): expire them as the sweep would (guarded transition, history,
 * `order.expired` in the order outbox), then give their stock back at once rather than wait for
 * the inventory consumer, which later finds the work done.
 *
 * Never against a payment: an order with a COMPLETED payment is paid instead (the repair of
 * `paid-order-pending`, at once), and one with a payment in flight is left for a later run. The
 * payments are read from the payment schema, as `paid-order-pending` reads them, rather than
 * through the payment service's internal API: the reconciler is the path that repairs the books
 * while services are down, its grants already allow these reads, and a read in the same query as
 * the orders leaves no window between "looked at the payments" and "picked the order".
 */
import { orderExpired, prepareEvent } from '@flash-sale/events';
import { withTransaction } from '@flash-sale/service-kit';
import type { RowDataPacket } from 'mysql2/promise';
import { writeOutboxIn } from '../infra/outbox.ts';
import { transitionOrder } from '../repairs/order-transition.ts';
import { returnStock } from '../repairs/return-stock.ts';
import { Tally, type JobDeps, type ReconciliationJob } from './job.ts';
import { payOrderFromPayment } from './paid-order-pending.job.ts';

interface Row extends RowDataPacket {
  id: string;
  tenant_id: string;
  sale_id: string;
  sku_id: string;
  quantity: number;
  completed_payment_id: string | null;
  completed_transaction_id: string | null;
  payment_in_flight: number;
}

export const overduePendingJob: ReconciliationJob = {
  name: 'overdue-pending',
  description: 'PENDING orders past expires_at plus a grace period: expire them and release their stock',
  everyMs: 60_000,
  async run(deps: JobDeps) {
    const t = deps.tables;
    const tally = new Tally(deps.logger);
    const cutoff = new Date(deps.now().getTime() - deps.thresholds.expiryGraceMs);
    const inFlightSince = new Date(deps.now().getTime() - deps.thresholds.paymentInFlightMaxMs);
    const [rows] = await deps.pool.query<Row[]>(
      `SELECT o.id, o.tenant_id, o.sale_id, o.sku_id, o.quantity, c.id AS completed_payment_id, c.transaction_id AS completed_transaction_id,
              EXISTS (SELECT 1 FROM ${t.payment('payments')} p
                       WHERE p.order_id = o.id AND p.tenant_id = o.tenant_id AND p.status = 'PENDING' AND p.created_at > ?) AS payment_in_flight
         FROM ${t.order('orders')} o
         LEFT JOIN ${t.payment('payments')} c
           ON c.id = (SELECT p.id FROM ${t.payment('payments')} p WHERE p.order_id = o.id AND p.tenant_id = o.tenant_id AND p.status = 'COMPLETED' ORDER BY p.updated_at DESC LIMIT 1)
        WHERE o.status = 'PENDING' AND o.expires_at <= ? ORDER BY o.expires_at LIMIT 1000`,
      [inFlightSince, cutoff],
    );
    tally.checked = rows.length;
    for (const row of rows) {
      if (row.completed_payment_id) {
        tally.found('pending_past_expiry_but_paid', row.id);
        const payment = { orderId: row.id, paymentId: row.completed_payment_id, transactionId: row.completed_transaction_id };
        await tally.repair('pending_past_expiry_but_paid', row.id, () => payOrderFromPayment(deps, payment));
        continue;
      }
      if (Number(row.payment_in_flight) === 1) {
        // Not repaired: expiry waits for the payment to settle (the payment service bounds that).
        tally.found('pending_past_expiry_payment_in_flight', row.id);
        continue;
      }
      tally.found('pending_past_expiry', row.id);
      await tally.repair('pending_past_expiry', row.id, async () => {
        const expired = await withTransaction(deps.pool, async (tx) => {
          const at = deps.now();
          if (!(await transitionOrder(tx, t, { orderId: row.id, command: 'expire', cause: 'payment deadline passed and the expiry sweep missed it', now: at }))) return false;
          const payload = { order_id: row.id, sale_id: row.sale_id, sku_id: row.sku_id, quantity: Number(row.quantity) };
          await writeOutboxIn(tx, t.order('outbox'), [prepareEvent(orderExpired, payload, { source: 'reconciler', tenantId: row.tenant_id, correlationId: `expiry:${row.id}` }, at)]);
          return true;
        });
        if (!expired) return false;
        await returnStock(deps, { orderId: row.id, tenantId: row.tenant_id, saleId: row.sale_id, skuId: row.sku_id, quantity: Number(row.quantity) }, 'expired', true);
        return true;
      });
    }
    return tally.outcome();
  },
};
