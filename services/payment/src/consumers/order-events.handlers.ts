/**
 * Keeps `order_view` in step with the order service's events. Each handler runs in the consumer's
 * transaction together with its dedupe row, so a redelivery changes nothing.
 *
 * An order that ends (cancelled, expired) after its payment already completed is the other side
 * of the race the webhook guards against: its money must go back, so a refund is requested here.
 *
 * Each handler sees only the fields `payment.contract.ts` declares, and refuses (`assertTenant`)
 * an event whose tenant does not own the order view or the payments it would change.
 */
import { assertTenant, contractHandler } from '@flash-sale/events';
import type { Logger } from '@flash-sale/service-kit';
import type { PoolConnection } from 'mysql2/promise';
import { endOrderView, findOrderView, insertOrderView } from '../infra/order-view.repository.ts';
import { requestAutomaticRefund } from '../infra/automatic-refund.ts';
import { findCompletedPaymentsOfOrder } from '../infra/payment.repository.ts';
import { paymentContract } from './payment.contract.ts';

/** What the platform's consumer runtime hands every handler. */
export interface OrderEventContext {
  tx: PoolConnection;
  logger: Logger;
}

export function createOrderEventHandlers(deps: { now: () => Date }) {
  const { now } = deps;

  const orderEnded = (type: 'order.cancelled.v1' | 'order.expired.v1', status: 'CANCELLED' | 'EXPIRED') => contractHandler(paymentContract, type, async (event, ctx: OrderEventContext) => {
    const at = now();
    const orderId = event.payload.order_id;
    const view = await findOrderView(ctx.tx, orderId, { forUpdate: true });
    if (view) assertTenant(event, { kind: 'order_view', id: orderId, tenantId: view.tenantId });
    const ended = await endOrderView(ctx.tx, orderId, status, event.id, at);
    if (!ended) return;
    for (const payment of await findCompletedPaymentsOfOrder(ctx.tx, orderId)) {
      assertTenant(event, { kind: 'payment', id: payment.id, tenantId: payment.tenantId });
      const reason = `order ${status.toLowerCase()} after its payment completed`;
      const { refund, created } = await requestAutomaticRefund(ctx.tx, payment, reason, at, { order_event_id: event.id });
      if (!created) continue;
      ctx.logger.warn({ order_id: orderId, payment_id: payment.id, refund_id: refund.id }, 'paid order ended; refund requested');
    }
  });

  return {
    'order.created.v1': contractHandler(paymentContract, 'order.created.v1', async (event, ctx: OrderEventContext) => {
      const { payload } = event;
      // A view already there (a redelivery, or learned from the order service) must be this tenant's.
      const known = await findOrderView(ctx.tx, payload.order_id, { forUpdate: true });
      if (known) assertTenant(event, { kind: 'order_view', id: payload.order_id, tenantId: known.tenantId });
      await insertOrderView(
        ctx.tx,
        {
          orderId: payload.order_id,
          tenantId: event.metadata.tenant_id,
          userId: payload.user_id,
          totalMinor: payload.total_minor,
          currency: payload.currency,
          expiresAt: new Date(payload.expires_at),
          traceId: event.trace_id,
          eventId: event.id,
        },
        now(),
      );
    }),
    'order.cancelled.v1': orderEnded('order.cancelled.v1', 'CANCELLED'),
    'order.expired.v1': orderEnded('order.expired.v1', 'EXPIRED'),
  };
}
