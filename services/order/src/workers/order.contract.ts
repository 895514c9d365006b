/**
 * What the order consumer reads of each payment and stock event: its handlers are typed with, and
 * handed, only these fields. Amounts are the payment service's to check, so they are not here.
 * `test/consumer-contract.unit.test.ts` checks this against the catalog and the topics.
 */
import { defineConsumerContract, paymentCompleted, paymentFailed, paymentRefunded, reads, stockCommitted } from '@flash-sale/events';

export const orderContract = defineConsumerContract('order', {
  'payment.completed.v1': reads(paymentCompleted, ['order_id', 'payment_id', 'transaction_id']),
  'payment.failed.v1': reads(paymentFailed, ['order_id', 'reason']),
  'payment.refunded.v1': reads(paymentRefunded, ['order_id', 'payment_id', 'reason']),
  'stock.committed.v1': reads(stockCommitted, ['order_id']),
});
