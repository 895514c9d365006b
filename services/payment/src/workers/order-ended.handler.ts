/**
 * `order.cancelled` and `order.expired`: the order view ends. An order that ends after its payment
 * already completed is the other side of the race the webhook guards against: its money must go
 * back, so a refund is requested here.
 */
import { assertTenant, contractHandler } from '@flash-sale/events';
import { REFUND_REQUESTER, requestAutomaticRefund } from '../infra/automatic-refund.ts';
import { endOrderView, findOrderView } from '../infra/order-view.repository.ts';
import { findCompletedPaymentsOfOrder } from '../infra/payment.repository.ts';
import type { OrderEventContext } from './order-event-context.ts';
import { paymentContract } from './payment.contract.ts';

export function orderEndedHandler(deps: { now: () => Date }, type: 'order.cancelled.v1' | 'order.expired.v1', status: 'CANCELLED' | 'EXPIRED') {
  const { now } = deps;
  return contractHandler(paymentContract, type, async (event, ctx: OrderEventContext) => {
    const at = now();
    const orderId = event.payload.order_id;
    const view = await findOrderView(ctx.tx, orderId, { forUpdate: true });
    if (view) assertTenant(event, { kind: 'order_view', id: orderId, tenantId: view.tenantId });
    const ended = await endOrderView(ctx.tx, orderId, status, event.id, at);
    if (!ended) return;
    for (const payment of await findCompletedPaymentsOfOrder(ctx.tx, orderId)) {
      assertTenant(event, { kind: 'payment', id: payment.id, tenantId: payment.tenantId });
      const reason = `order ${status.toLowerCase()} after its payment completed`;
      const { refundId, created } = await requestAutomaticRefund(
        ctx.tx,
        payment,
        { requestedBy: REFUND_REQUESTER, reason, details: { order_event_id: event.id } },
        at,
      );
      if (!created) continue;
      ctx.logger.warn({ order_id: orderId, payment_id: payment.id, refund_id: refundId }, 'paid order ended; refund requested');
    }
  });
}
