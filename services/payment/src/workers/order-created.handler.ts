/** `order.created`: the payment service's view of the order (`order_view`), which a payment is opened against. */
import { assertTenant, contractHandler } from '@flash-sale/events';
import { findOrderView, insertOrderView } from '../infra/order-view.repository.ts';
import type { OrderEventContext } from './order-event-context.ts';
import { paymentContract } from './payment.contract.ts';

export function orderCreatedHandler(deps: { now: () => Date }) {
  const { now } = deps;
  return contractHandler(paymentContract, 'order.created.v1', async (event, ctx: OrderEventContext) => {
    const { payload } = event;
    // The insert comes first: it locks the view's row whether it creates it or finds one already
    // there (a redelivery, or learned from the order service). A locking read of a row not there yet
    // would take a gap lock instead, and two partitions' chunks inserting into one gap would deadlock.
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
    // The view as it is now must be this tenant's: a locking read, so the latest committed row and
    // not this transaction's snapshot. It is there: the insert above made it or found it.
    const view = await findOrderView(ctx.tx, payload.order_id, { forUpdate: true });
    assertTenant(event, { kind: 'order_view', id: payload.order_id, tenantId: view!.tenantId });
  });
}
