import { checkConsumerContract, registry } from '@flash-sale/events';
import t from 'tap';
import { ORDER_EVENT_RULES } from '../src/domain/order-state-machine.ts';
import { orderLifecycleReplayContract } from '../src/application/replay/order-lifecycle.contract.ts';

t.test("the order-lifecycle replay's declared reads hold against today's catalog", async (t) => {
  t.same(checkConsumerContract(orderLifecycleReplayContract, registry), []);
});

t.test('the replay declares reads of exactly the event types its rules fold', async (t) => {
  t.same(Object.keys(orderLifecycleReplayContract.reads).sort(), ORDER_EVENT_RULES.map((rule) => rule.type).sort());
});
