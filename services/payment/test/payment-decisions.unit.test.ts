import t from 'tap';
import { decideProviderEvent, type OrderState, type PaymentState } from '../src/domain/decide-provider-event.ts';
import { canTransition, sourcesOf } from '../src/domain/payment-state-machine.ts';
import type { ProviderEvent } from '../src/domain/provider-event.ts';

const pending: PaymentState = { status: 'PENDING', amountMinor: 4999, currency: 'EUR', transactionId: null };
const order: OrderState = { status: 'PENDING', totalMinor: 4999, currency: 'EUR' };
const data = { payment_id: 'pay_1', reference: 'p-1', amount_minor: 4999, currency: 'EUR' };
const succeeded: ProviderEvent = { id: 'evt_1', type: 'payment.succeeded', created: 0, data: { ...data, transaction_id: 'txn_1' } };
const failed: ProviderEvent = { id: 'evt_2', type: 'payment.failed', created: 0, data: { ...data, failure_reason: 'card_declined' } };
const refunded: ProviderEvent = { id: 'evt_3', type: 'refund.succeeded', created: 0, data: { ...data, refund_id: 're_1' } };

t.test('the state machine: PENDING -> COMPLETED | FAILED, COMPLETED -> REFUNDED, nothing else', async (t) => {
  t.ok(canTransition('PENDING', 'COMPLETED'));
  t.ok(canTransition('PENDING', 'FAILED'));
  t.ok(canTransition('COMPLETED', 'REFUNDED'));
  t.notOk(canTransition('COMPLETED', 'FAILED'));
  t.notOk(canTransition('FAILED', 'COMPLETED'));
  t.notOk(canTransition('PENDING', 'REFUNDED'));
  t.notOk(canTransition('REFUNDED', 'COMPLETED'));
  t.same(sourcesOf('REFUNDED'), ['COMPLETED']);
  t.same(sourcesOf('PENDING'), []);
});

t.test('given a pending payment, when the provider reports success, then it completes', async (t) => {
  t.match(decideProviderEvent(succeeded, pending, order), { kind: 'transition', to: 'COMPLETED', refundOrder: false });
});

t.test('given an expired or cancelled order, when its payment succeeds, then it completes and is refunded', async (t) => {
  t.match(decideProviderEvent(succeeded, pending, { ...order, status: 'EXPIRED' }), { kind: 'transition', to: 'COMPLETED', refundOrder: true });
  t.match(decideProviderEvent(succeeded, pending, { ...order, status: 'CANCELLED' }), { kind: 'transition', refundOrder: true });
});

t.test('given a completed payment, when a failure arrives, then it is refused as an illegal transition', async (t) => {
  t.match(decideProviderEvent(failed, { ...pending, status: 'COMPLETED' }, order), { kind: 'refuse', code: 'ILLEGAL_TRANSITION', attempted: 'FAILED' });
});

t.test('given a payment already holding the reported outcome, when it is reported again under another id, then it is a duplicate', async (t) => {
  const completed: PaymentState = { ...pending, status: 'COMPLETED', transactionId: 'txn_1' };
  t.match(decideProviderEvent({ ...succeeded, id: 'poll:pay_1:succeeded' }, completed, order), { kind: 'duplicate' });
  t.match(decideProviderEvent(failed, { ...pending, status: 'FAILED' }, order), { kind: 'duplicate' });
  const otherTransaction: ProviderEvent = { ...succeeded, data: { ...succeeded.data, transaction_id: 'txn_2' } };
  t.match(decideProviderEvent(otherTransaction, completed, order), { kind: 'refuse', code: 'ILLEGAL_TRANSITION' }, 'another transaction is not the same fact');
  t.match(decideProviderEvent(succeeded, { ...completed, status: 'REFUNDED' }, order), { kind: 'refuse', code: 'ILLEGAL_TRANSITION' });
});

t.test('given a pending payment, when a refund arrives, then it is refused', async (t) => {
  t.match(decideProviderEvent(refunded, pending, order), { kind: 'refuse', code: 'ILLEGAL_TRANSITION', attempted: 'REFUNDED' });
  t.match(decideProviderEvent(refunded, { ...pending, status: 'COMPLETED' }, order), { kind: 'transition', to: 'REFUNDED' });
});

t.test("an amount or currency other than the order's is refused before anything else", async (t) => {
  const cheaper: ProviderEvent = { ...succeeded, data: { ...succeeded.data, amount_minor: 4998 } };
  const dollars: ProviderEvent = { ...succeeded, data: { ...succeeded.data, currency: 'USD' } };
  t.match(decideProviderEvent(cheaper, pending, order), { kind: 'refuse', code: 'AMOUNT_MISMATCH' });
  t.match(decideProviderEvent(dollars, pending, order), { kind: 'refuse', code: 'AMOUNT_MISMATCH' });
});
