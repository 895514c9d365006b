/**
 * PENDING orders well past `expires_at` (the order service's sweep missed them: its worker was
 * down, or its transaction failed): expire them as the sweep would (guarded transition, history,
 * `order.expired` in the order outbox), then give their stock back at once rather than wait for
 * the inventory consumer, which later finds the work done.
 *
 * Never against a payment: an order with a COMPLETED payment is paid instead (the repair of
 * `paid-order-pending`, at once), and one with a payment in flight is left for a later run. The
 * payments are read from the payment database, as `paid-order-pending` reads them, rather than
 * through the payment service's internal API: the reconciler is the path that repairs the books
 * while services are down. The overdue orders are read a keyset page at a time from the order
 * database, then that page's payments (ADR 0010); a payment that completes after that read is the
 * same race as one completing after the expiry, and the payment service refunds money taken for a
 * dead order.
 */
import { orderExpired, prepareEvent, writeOutbox } from '@flash-sale/events';
import { decideExpiry } from '@flash-sale/order-lifecycle';
import { withTransaction } from '@flash-sale/service-kit';
import type { RowDataPacket } from 'mysql2/promise';
import { SCAN_PAGE, selectIn } from '../../infra/service-databases.ts';
import { transitionOrder } from '../repairs/order-transition.ts';
import { returnStock } from '../repairs/return-stock.ts';
import { Tally, type JobDeps, type ReconciliationJob } from './job.ts';
import { payOrderFromPayment } from './paid-order-pending.job.ts';

interface OrderRow extends RowDataPacket {
  id: string;
  tenant_id: string;
  sale_id: string;
  sku_id: string;
  quantity: number;
  expires_at: string;
}

interface PaymentRow extends RowDataPacket {
  id: string;
  order_id: string;
  tenant_id: string;
  status: 'COMPLETED' | 'PENDING';
  transaction_id: string | null;
}

/** As before the split: a run looks at this many overdue orders at most; the next run takes the rest. */
const MAX_ORDERS_PER_RUN = 1000;

export const overduePendingJob: ReconciliationJob = {
  name: 'overdue-pending',
  description: 'PENDING orders past expires_at plus a grace period: expire them and release their stock',
  everyMs: 60_000,
  async run(deps: JobDeps) {
    const tally = new Tally(deps.logger);
    const cutoff = new Date(deps.now().getTime() - deps.thresholds.expiryGraceMs);
    const inFlightSince = new Date(deps.now().getTime() - deps.thresholds.paymentInFlightMaxMs);
    let after: [string, string] | undefined;
    while (tally.checked < MAX_ORDERS_PER_RUN) {
      const [orders] = await deps.databases.order.query<OrderRow[]>(
        `SELECT id, tenant_id, sale_id, sku_id, quantity, expires_at FROM orders
          WHERE status = 'PENDING' AND expires_at <= ? ${after ? 'AND (expires_at, id) > (?, ?)' : ''} ORDER BY expires_at, id LIMIT ?`,
        [cutoff, ...(after ?? []), Math.min(SCAN_PAGE, MAX_ORDERS_PER_RUN - tally.checked)],
      );
      const last = orders.at(-1);
      if (!last) break;
      after = [last.expires_at, last.id];
      tally.checked += orders.length;
      // This page's payments, from the payment database: the latest COMPLETED one, or any in flight.
      const payments = await selectIn<PaymentRow>(
        deps.databases.payment,
        `SELECT id, order_id, tenant_id, status, transaction_id FROM payments
          WHERE (status = 'COMPLETED' OR (status = 'PENDING' AND created_at > ?)) AND order_id IN (?) ORDER BY updated_at`,
        orders.map((order) => order.id),
        [inFlightSince],
      );
      for (const row of orders)
        await settle(
          deps,
          tally,
          row,
          payments.filter((payment) => payment.order_id === row.id && payment.tenant_id === row.tenant_id),
        );
      if (orders.length < SCAN_PAGE) break;
    }
    return tally.outcome();
  },
};

async function settle(deps: JobDeps, tally: Tally, row: OrderRow, payments: readonly PaymentRow[]): Promise<void> {
  const completed = payments.filter((payment) => payment.status === 'COMPLETED').at(-1);
  const decision = decideExpiry(completed ? 'completed' : payments.length > 0 ? 'in_flight' : 'none');
  if (decision === 'pay' && completed) {
    tally.found('pending_past_expiry_but_paid', row.id);
    const payment = { orderId: row.id, paymentId: completed.id, transactionId: completed.transaction_id };
    await tally.repair('pending_past_expiry_but_paid', row.id, () => payOrderFromPayment(deps, payment));
    return;
  }
  if (decision === 'wait') {
    // Not repaired: expiry waits for the payment to settle (the payment service bounds that).
    tally.found('pending_past_expiry_payment_in_flight', row.id);
    return;
  }
  tally.found('pending_past_expiry', row.id);
  await tally.repair('pending_past_expiry', row.id, async () => {
    // Step 1, order database: the guarded expiry, its history row and `order.expired`, or nothing.
    const expired = await withTransaction(deps.databases.order, async (tx) => {
      const at = deps.now();
      if (!(await transitionOrder(tx, { orderId: row.id, command: 'expire', cause: 'payment deadline passed and the expiry sweep missed it', now: at })))
        return false;
      const payload = { order_id: row.id, sale_id: row.sale_id, sku_id: row.sku_id, quantity: Number(row.quantity) };
      await writeOutbox(tx, [prepareEvent(orderExpired, payload, { source: 'reconciler', tenantId: row.tenant_id, correlationId: `expiry:${row.id}` }, at)]);
      return true;
    });
    if (!expired) return false;
    // Step 2, inventory database: a crash before it leaves an EXPIRED order with its stock out,
    // which the inventory consumer (order.expired) or `unreturned-stock` gives back.
    await returnStock(
      deps,
      { orderId: row.id, tenantId: row.tenant_id, saleId: row.sale_id, skuId: row.sku_id, quantity: Number(row.quantity) },
      'expired',
      true,
    );
    return true;
  });
}
