/**
 * What the payment consumer reads of each order event: its handlers are typed with, and handed,
 * only these fields. It keeps a view of each order (owner, amount, deadline) to check payments
 * against, so it reads more of `order.created` than the books do, and only the id of the rest.
 * `test/consumer-contract.unit.test.ts` checks this against the catalog and the topics.
 */
import { defineConsumerContract, orderCancelled, orderCreated, orderExpired, reads } from '@flash-sale/events';

export const paymentContract = defineConsumerContract('payment', {
  'order.created.v1': reads(orderCreated, ['order_id', 'user_id', 'total_minor', 'currency', 'expires_at']),
  'order.cancelled.v1': reads(orderCancelled, ['order_id']),
  'order.expired.v1': reads(orderExpired, ['order_id']),
});
