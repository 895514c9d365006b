/**
 * What the inventory consumer reads of each order event: its handlers are typed with, and handed,
 * only these fields. The buyer (`user_id`) and the prices are not the books' business, so they are
 * not here. `test/consumer-contract.unit.test.ts` checks this against the catalog and the topics.
 */
import { defineConsumerContract, orderCancelled, orderCreated, orderExpired, orderRefunded, reads, type ViewOf } from '@flash-sale/events';

export const inventoryContract = defineConsumerContract('inventory', {
  'order.created.v1': reads(orderCreated, ['order_id', 'sale_id', 'sku_id', 'quantity']),
  'order.cancelled.v1': reads(orderCancelled, ['order_id', 'sale_id', 'sku_id', 'quantity']),
  'order.expired.v1': reads(orderExpired, ['order_id', 'sale_id', 'sku_id', 'quantity']),
  // The books' own reservation row says which units and how many; the event names the order.
  'order.refunded.v1': reads(orderRefunded, ['order_id', 'sale_id', 'restock']),
});

type Reads = (typeof inventoryContract)['reads'];

/** The order line as the inventory consumer sees `order.created`, `order.cancelled` and `order.expired`. */
export type OrderLineView = ViewOf<Reads['order.created.v1']> & ViewOf<Reads['order.cancelled.v1']> & ViewOf<Reads['order.expired.v1']>;
export type OrderRefundedView = ViewOf<Reads['order.refunded.v1']>;
