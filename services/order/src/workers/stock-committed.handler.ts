/** `stock.committed` → marks the stock committed; a PAID order becomes CONFIRMED. */
import type { ContractHandlers } from '@flash-sale/events';
import { confirmIfReady, markStockCommitted } from '../infra/order.repository.ts';
import type { orderContract } from './order.contract.ts';
import { lockOwnedOrder } from './owned-order.ts';

export function stockCommittedHandler(now: () => Date): ContractHandlers<typeof orderContract>['stock.committed.v1'] {
  return async (event, ctx) => {
    const at = now();
    await lockOwnedOrder(ctx.tx, event, event.payload.order_id);
    await markStockCommitted(ctx.tx, event.payload.order_id, at);
    await confirmIfReady(ctx.tx, { orderId: event.payload.order_id, sourceEventId: event.id, now: at });
  };
}
