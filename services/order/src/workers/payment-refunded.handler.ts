/** `payment.refunded` → REFUNDED and `order.refunded` (restock only before shipment). */
import { followUpContext, orderRefunded, prepareEvent, writeOutbox, type ContractHandlers } from '@flash-sale/events';
import { restocksOnRefund } from '../domain/order-status.ts';
import { transitionOrder } from '../infra/order.repository.ts';
import type { orderContract } from './order.contract.ts';
import { lockOwnedOrder } from './owned-order.ts';

const SOURCE = 'order-service';

export function paymentRefundedHandler(now: () => Date): ContractHandlers<typeof orderContract>['payment.refunded.v1'] {
  return async (event, ctx) => {
    const at = now();
    const order = await lockOwnedOrder(ctx.tx, event, event.payload.order_id);
    if (!order) throw new Error(`refund for unknown order ${event.payload.order_id}`);
    const result = await transitionOrder(ctx.tx, {
      orderId: order.id,
      command: 'refund',
      cause: `payment ${event.payload.payment_id} refunded: ${event.payload.reason}`,
      sourceEventId: event.id,
      now: at,
    });
    if (!result.ok) {
      // A refund of a late payment for an expired or cancelled order: its stock already came back.
      ctx.logger.info({ order_id: order.id, status: result.current }, 'refund recorded for an order that was never paid');
      return;
    }
    await writeOutbox(ctx.tx, [
      prepareEvent(
        orderRefunded,
        {
          order_id: order.id,
          sale_id: order.saleId,
          sku_id: order.skuId,
          quantity: order.quantity,
          payment_id: event.payload.payment_id,
          restock: restocksOnRefund(result.from),
        },
        followUpContext(event, ctx.traceparent, SOURCE),
        at,
      ),
    ]);
  };
}
