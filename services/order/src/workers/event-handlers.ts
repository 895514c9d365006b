/**
 * How an order reacts to payments and stock, one handler file per event type:
 * `payment-completed.handler.ts`, `stock-committed.handler.ts`, `payment-failed.handler.ts`,
 * `payment-refunded.handler.ts`. Each handler runs in the consumer runtime's transaction together
 * with its dedupe row, so a redelivered event changes nothing twice.
 *
 * Each handler sees only the fields `order.contract.ts` declares, and refuses (`assertTenant`) an
 * event whose tenant does not own the order it would change.
 */
import { contractHandlers, type EventHandler } from '@flash-sale/events';
import { orderContract } from './order.contract.ts';
import { paymentCompletedHandler } from './payment-completed.handler.ts';
import { paymentFailedHandler } from './payment-failed.handler.ts';
import { paymentRefundedHandler } from './payment-refunded.handler.ts';
import { stockCommittedHandler } from './stock-committed.handler.ts';

export function orderEventHandlers(now: () => Date): Record<string, EventHandler> {
  return contractHandlers(orderContract, {
    'payment.completed.v1': paymentCompletedHandler(now),
    'payment.failed.v1': paymentFailedHandler(),
    'payment.refunded.v1': paymentRefundedHandler(now),
    'stock.committed.v1': stockCommittedHandler(now),
  });
}
