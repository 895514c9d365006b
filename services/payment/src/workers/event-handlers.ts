/**
 * Keeps `order_view` in step with the order service's events, one handler file per event type:
 * `order-created.handler.ts`, and `order-ended.handler.ts` for `order.cancelled` and
 * `order.expired`. Each handler runs in the consumer's transaction together with its dedupe row,
 * so a redelivery changes nothing.
 *
 * Each handler sees only the fields `payment.contract.ts` declares, and refuses (`assertTenant`)
 * an event whose tenant does not own the order view or the payments it would change.
 */
import { orderCreatedHandler } from './order-created.handler.ts';
import { orderEndedHandler } from './order-ended.handler.ts';

export function createOrderEventHandlers(deps: { now: () => Date }) {
  return {
    'order.created.v1': orderCreatedHandler(deps),
    'order.cancelled.v1': orderEndedHandler(deps, 'order.cancelled.v1', 'CANCELLED'),
    'order.expired.v1': orderEndedHandler(deps, 'order.expired.v1', 'EXPIRED'),
  };
}
