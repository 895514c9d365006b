/**
 * Expiry of unpaid orders: each PENDING order past `expires_at` becomes EXPIRED under the guarded
 * update, with its history row and an `order.expired` event (the inventory service returns the
 * stock). Running it twice, or on two replicas at once, expires each order once: the second
 * guarded update affects no row.
 *
 * The order's own view of its payment arrives by Kafka and may be late or lost near the deadline,
 * so before expiring, the sweep asks the payment service (one call per tenant and 100 orders) and
 * applies the expiry rule of `@flash-sale/order-lifecycle` (`decideExpiry`) to its answer:
 * - a COMPLETED payment: the order is paid now, by the same guarded transition the
 *   `payment.completed` handler applies (and confirmed if its stock is committed); expiring it
 *   would only end in an automatic refund of a buyer who paid in time;
 * - a payment in flight: expiry waits (the payment service bounds how long that lasts);
 * - no answer: nothing is expired this round; an order is never expired on a guess.
 */
import { orderExpired, prepareEvent, writeOutbox } from '@flash-sale/events';
import { decideExpiry, type PaymentAtDeadline } from '@flash-sale/order-lifecycle';
import { withTransaction } from '@flash-sale/service-kit';
import type { Pool } from 'mysql2/promise';
import type { Order } from '../domain/order.ts';
import { confirmIfReady, findExpiredPending, findOrder, transitionOrder } from '../infra/order.repository.ts';
import type { OrderPaymentStatus, PaymentStatusReader } from '../infra/payment-status.client.ts';

export interface ExpiryRun {
  checked: number;
  expired: number;
  /** Paid from a COMPLETED payment whose `payment.completed` had not arrived. */
  paid: number;
  /** Left PENDING because a payment is in flight. */
  postponed: number;
  /** Left PENDING because the payment service did not answer. */
  unverified: number;
}

export interface ExpiryDeps {
  pool: Pool;
  now: () => Date;
  payments: PaymentStatusReader;
  /** Told why a tenant's orders were not checked this round. */
  onUnverified?: (tenantId: string, orderIds: readonly string[], error: unknown) => void;
}

export async function expireDueOrders(deps: ExpiryDeps, limit = 500): Promise<ExpiryRun> {
  const { pool, now } = deps;
  const due = await findExpiredPending(pool, now(), limit);
  const run: ExpiryRun = { checked: due.length, expired: 0, paid: 0, postponed: 0, unverified: 0 };

  // The sweep's one read already holds each order; the guarded transition refuses any that moved since.
  const byTenant = new Map<string, Order[]>();
  for (const order of due) {
    const orders = byTenant.get(order.tenantId);
    if (orders) orders.push(order);
    else byTenant.set(order.tenantId, [order]);
  }

  for (const [tenantId, orders] of byTenant) {
    let payments: Map<string, OrderPaymentStatus>;
    try {
      payments = await deps.payments.paymentsOf(
        tenantId,
        orders.map((order) => order.id),
      );
    } catch (error) {
      run.unverified += orders.length;
      deps.onUnverified?.(
        tenantId,
        orders.map((order) => order.id),
        error,
      );
      continue;
    }
    for (const order of orders) {
      const payment = payments.get(order.id);
      const decision = decideExpiry(paymentAtDeadline(payment));
      if (decision === 'pay' && payment?.paymentId) {
        if (await payFromPaymentService(pool, now, order.id, payment.paymentId)) run.paid += 1;
      } else if (decision === 'wait') {
        run.postponed += 1;
      } else if (decision === 'expire') {
        if (await expire(pool, now, order.id)) run.expired += 1;
      } else {
        run.unverified += 1;
      }
    }
  }
  return run;
}

/** What the payment service said, in the expiry rule's terms; a completed payment without its id is no answer. */
function paymentAtDeadline(payment: OrderPaymentStatus | undefined): PaymentAtDeadline {
  if (!payment || (payment.state === 'completed' && !payment.paymentId)) return 'unknown';
  return payment.state;
}

async function expire(pool: Pool, now: () => Date, orderId: string): Promise<boolean> {
  return withTransaction(pool, async (tx) => {
    const at = now();
    const result = await transitionOrder(tx, { orderId, command: 'expire', cause: 'payment deadline passed', now: at });
    if (!result.ok) return false;
    const order = await findOrder(tx, orderId);
    if (!order) return false;
    await writeOutbox(tx, [
      prepareEvent(
        orderExpired,
        { order_id: order.id, sale_id: order.saleId, sku_id: order.skuId, quantity: order.quantity },
        { source: 'order-service', tenantId: order.tenantId, correlationId: `expiry:${order.id}` },
        at,
      ),
    ]);
    return true;
  });
}

/** PENDING → PAID with the payment's id, then CONFIRMED when the stock is committed: what `payment.completed` does. */
async function payFromPaymentService(pool: Pool, now: () => Date, orderId: string, paymentId: string): Promise<boolean> {
  return withTransaction(pool, async (tx) => {
    const at = now();
    const result = await transitionOrder(tx, {
      orderId,
      command: 'pay',
      cause: `payment ${paymentId} completed (told by the payment service at the deadline; its event had not arrived)`,
      now: at,
      set: { paymentId },
    });
    if (!result.ok) return false;
    await confirmIfReady(tx, { orderId, now: at });
    return true;
  });
}
