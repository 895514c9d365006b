/**
 * Keeps `order_view` in step with the order service's events. Each handler runs in the consumer's
 * transaction together with its dedupe row, so a redelivery changes nothing.
 *
 * An order that ends (cancelled, expired) after its payment already completed is the other side
 * of the race the webhook guards against: its money must go back, so a refund is requested here.
 */
import type { Envelope, PayloadOf, orderCancelled, orderCreated, orderExpired } from '@flash-sale/events';
import type { Logger } from '@flash-sale/service-kit';
import type { PoolConnection } from 'mysql2/promise';
import { endOrderView, insertOrderView } from '../infra/order-view.repository.ts';
import { appendHistory, findCompletedPaymentsOfOrder } from '../infra/payment.repository.ts';
import { requestRefund } from '../infra/refund.repository.ts';

/** What the platform's consumer runtime hands every handler. */
export interface OrderEventContext {
  tx: PoolConnection;
  logger: Logger;
}

export function createOrderEventHandlers(deps: { now: () => Date }) {
  const { now } = deps;

  const orderEnded = (status: 'CANCELLED' | 'EXPIRED') => async (event: Envelope<{ order_id: string }>, ctx: OrderEventContext) => {
    const at = now();
    const orderId = event.payload.order_id;
    const ended = await endOrderView(ctx.tx, orderId, status, event.id, at);
    if (!ended) return;
    for (const payment of await findCompletedPaymentsOfOrder(ctx.tx, orderId)) {
      const reason = `order ${status.toLowerCase()} after its payment completed`;
      const { refund, created } = await requestRefund(
        ctx.tx,
        { paymentId: payment.id, orderId, tenantId: payment.tenantId, amountMinor: payment.amountMinor, currency: payment.currency, reason, initiatedBy: 'automatic', requestedBy: 'payment-service' },
        at,
      );
      if (!created) continue;
      await appendHistory(ctx.tx, {
        paymentId: payment.id,
        from: 'COMPLETED',
        to: 'COMPLETED',
        accepted: true,
        cause: 'refund.requested.automatic',
        providerEventId: null,
        details: { refund_id: refund.id, reason, order_event_id: event.id },
        now: at,
      });
      ctx.logger.warn({ order_id: orderId, payment_id: payment.id, refund_id: refund.id }, 'paid order ended; refund requested');
    }
  };

  return {
    'order.created.v1': async (event: Envelope<PayloadOf<typeof orderCreated>>, ctx: OrderEventContext) => {
      const { payload } = event;
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
    },
    'order.cancelled.v1': orderEnded('CANCELLED') as (event: Envelope<PayloadOf<typeof orderCancelled>>, ctx: OrderEventContext) => Promise<void>,
    'order.expired.v1': orderEnded('EXPIRED') as (event: Envelope<PayloadOf<typeof orderExpired>>, ctx: OrderEventContext) => Promise<void>,
  };
}
