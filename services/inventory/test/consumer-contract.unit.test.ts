import { checkConsumerContract, registry, type ContractHandlers } from '@flash-sale/events';
import t from 'tap';
import { inventoryContract } from '../src/workers/inventory.contract.ts';

t.test("the inventory consumer's declared reads hold against today's catalog and topic declarations", async (t) => {
  t.same(checkConsumerContract(inventoryContract, registry), []);
});

t.test('an inventory handler cannot read a field the contract does not declare (a compile error, checked by the type-check)', async (t) => {
  const handler: ContractHandlers<typeof inventoryContract>['order.created.v1'] = async (event) => {
    // @ts-expect-error the buyer is not the books' business: inventory does not declare user_id
    void event.payload.user_id;
  };
  t.type(handler, 'function');
});
