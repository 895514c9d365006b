import { contractBatchHandlers, contractHandlers, type EventBatchHandler, type EventHandler } from '@flash-sale/events';
import { inventoryContract } from './inventory.contract.ts';
import { orderCreatedBatchHandler } from './order-created.batch-handler.ts';
import { orderCreatedHandler, type HandlerDeps } from './order-created.handler.ts';
import { orderRefundedHandler } from './order-refunded.handler.ts';
import { orderReleasedHandler } from './order-released.handler.ts';

/**
 * Every event the inventory consumer handles, by type, for `createEventConsumer`; each handler is
 * handed only the fields `inventoryContract` declares for its type.
 */
export function inventoryHandlers(deps: HandlerDeps): Record<string, EventHandler> {
  return contractHandlers(inventoryContract, {
    'order.created.v1': orderCreatedHandler(deps),
    'order.cancelled.v1': orderReleasedHandler(deps, 'cancelled'),
    'order.expired.v1': orderReleasedHandler(deps, 'expired'),
    'order.refunded.v1': orderRefundedHandler(deps),
  });
}

/** The types the consumer may apply several at a time (`batchHandlers` of `createEventConsumer`). */
export function inventoryBatchHandlers(deps: HandlerDeps): Record<string, EventBatchHandler> {
  return contractBatchHandlers(inventoryContract, { 'order.created.v1': orderCreatedBatchHandler(deps) });
}
