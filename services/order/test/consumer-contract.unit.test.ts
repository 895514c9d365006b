import { checkConsumerContract, registry, type ContractHandlers } from '@flash-sale/events';
import t from 'tap';
import { orderContract } from '../src/workers/order.contract.ts';

t.test("the order consumer's declared reads hold against today's catalog and topic declarations", async (t) => {
  t.same(checkConsumerContract(orderContract, registry), []);
});

t.test('an order handler cannot read a field the contract does not declare (a compile error, checked by the type-check)', async (t) => {
  const handler: ContractHandlers<typeof orderContract>['payment.completed.v1'] = async (event) => {
    // @ts-expect-error the order consumer does not declare amount_minor: amounts are the payment service's to check
    void event.payload.amount_minor;
  };
  t.type(handler, 'function');
});
