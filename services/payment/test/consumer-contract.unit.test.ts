import { checkConsumerContract, contractHandler, registry } from '@flash-sale/events';
import t from 'tap';
import { paymentContract } from '../src/workers/payment.contract.ts';
import { createOrderEventHandlers } from '../src/workers/event-handlers.ts';

t.test("the payment consumer's declared reads hold against today's catalog and topic declarations", async (t) => {
  t.same(checkConsumerContract(paymentContract, registry), []);
});

t.test('the payment consumer handles exactly the event types its contract declares', async (t) => {
  t.same(Object.keys(createOrderEventHandlers({ now: () => new Date() })).sort(), Object.keys(paymentContract.reads).sort());
});

t.test('a payment handler cannot read a field the contract does not declare (a compile error, checked by the type-check)', async (t) => {
  const handler = contractHandler(paymentContract, 'order.cancelled.v1', async (event, _ctx: unknown) => {
    // @ts-expect-error the payment consumer does not declare why an order was cancelled
    void event.payload.reason;
  });
  t.type(handler, 'function');
});
