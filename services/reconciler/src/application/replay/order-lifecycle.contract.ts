/**
 * What the order-lifecycle replay reads of each event it folds: the order, and the payment where
 * the event has one. The replay reads its topics over a bounded scope with a throwaway group, so
 * no topic lists it (`subscribes: false`); its field reads are checked like any consumer's, by
 * `test/order-lifecycle-contract.unit.test.ts`.
 */
import {
  defineConsumerContract,
  orderCancelled,
  orderCreated,
  orderExpired,
  orderRefunded,
  paymentCompleted,
  paymentFailed,
  paymentRefunded,
  reads,
  stockCommitted,
} from '@flash-sale/events';

export const orderLifecycleReplayContract = defineConsumerContract(
  'reconciler',
  {
    'order.created.v1': reads(orderCreated, ['order_id']),
    'order.cancelled.v1': reads(orderCancelled, ['order_id']),
    'order.expired.v1': reads(orderExpired, ['order_id']),
    'order.refunded.v1': reads(orderRefunded, ['order_id', 'payment_id']),
    'payment.completed.v1': reads(paymentCompleted, ['order_id', 'payment_id']),
    'payment.failed.v1': reads(paymentFailed, ['order_id', 'payment_id']),
    'payment.refunded.v1': reads(paymentRefunded, ['order_id', 'payment_id']),
    'stock.committed.v1': reads(stockCommitted, ['order_id']),
  },
  { subscribes: false },
);
