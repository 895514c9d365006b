/**
 * `payment.completed` → PAID, and CONFIRMED at once if the stock is already committed. A payment
 * for an order already EXPIRED or CANCELLED changes nothing here: the payment service refunds it
 * (it knows the order's fate from the same order events). An order already PAID (the expiry sweep
 * asked the payment service first) is left as it is.
 */
import { assertTenant, type ContractHandlers } from '@flash-sale/events';
import { confirmIfReady, transitionOrder } from '../infra/order.repository.ts';
import type { orderContract } from './order.contract.ts';

export function paymentCompletedHandler(now: () => Date): ContractHandlers<typeof orderContract>['payment.completed.v1'] {
  return async (event, ctx) => {
    const at = now();
    const result = await transitionOrder(ctx.tx, {
      orderId: event.payload.order_id,
      checkTenant: (tenantId) => assertTenant(event, { kind: 'order', id: event.payload.order_id, tenantId }),
      command: 'pay',
      cause: `payment ${event.payload.payment_id} completed (transaction ${event.payload.transaction_id})`,
      sourceEventId: event.id,
      now: at,
      set: { paymentId: event.payload.payment_id },
    });
    if (!result.ok) {
      if (result.current === 'EXPIRED' || result.current === 'CANCELLED') {
        ctx.logger.warn(
          { order_id: event.payload.order_id, status: result.current },
          'payment completed for an order that cannot be paid; the payment service refunds it',
        );
      } else {
        // The expiry sweep or the reconciler asked the payment service and applied this payment first.
        ctx.logger.info({ order_id: event.payload.order_id, status: result.current }, 'payment completed for an order already past PENDING; nothing to do');
      }
      return;
    }
    await confirmIfReady(ctx.tx, { orderId: event.payload.order_id, sourceEventId: event.id, now: at });
  };
}
