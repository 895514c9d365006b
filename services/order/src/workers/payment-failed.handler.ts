/**
 * `payment.failed` → no transition: the order stays PENDING so the shopper may pay again before
 * `expires_at`; expiry or cancellation then returns its stock.
 */
import type { ContractHandlers } from '@flash-sale/events';
import type { orderContract } from './order.contract.ts';

export function paymentFailedHandler(): ContractHandlers<typeof orderContract>['payment.failed.v1'] {
  return async (event, ctx) => {
    ctx.logger.info(
      { order_id: event.payload.order_id, reason: event.payload.reason },
      'payment failed; the order waits for another payment, cancellation or expiry',
    );
  };
}
