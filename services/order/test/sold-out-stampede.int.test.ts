// A sold-out stampede: once a process knows a sale is sold out and who bought there, everyone else
// is refused without a Redis call, while every buyer (even one whose hold was released) still
// gets the replay of their 201.
import { randomUUID } from 'node:crypto';
import { SoldOutHint, stockReturnedChannel } from '@flash-sale/stock-reservations';
import type { RedisClient } from '@flash-sale/service-kit';
import { waitFor, watchRedisCalls } from '@flash-sale/testkit';
import t from 'tap';
import { orderHarness, placeOrderRequest } from './support/order-harness.ts';

const listeningHint = async (t: { teardown: (fn: () => unknown) => void }, redis: RedisClient, prefix: string) => {
  const hint = new SoldOutHint({ maxAgeMs: 60_000 });
  const subscriber = redis.duplicate();
  t.teardown(() => subscriber.disconnect());
  const stop = await hint.listen(subscriber, stockReturnedChannel(prefix));
  t.teardown(stop);
  return hint;
};

t.test('a sold-out sale refuses a buyer who never bought there without any Redis call', async (t) => {
  const h = await orderHarness(t);
  const hint = await listeningHint(t, h.redis, h.prefix);
  const app = await h.rebuild({ soldOut: hint });
  const saleId = await h.armSale({ stock: 1, perUserLimit: 1 });
  const order = (token: string, key = randomUUID()) => app.inject(placeOrderRequest(token, key, { sale_id: saleId, quantity: 1 }));
  t.equal((await order(h.token())).statusCode, 201);
  const fromLua = await order(h.token());
  t.equal(fromLua.json().error.code, 'SALE_SOLD_OUT', 'Lua says sold out once');
  await waitFor(() => hint.heldBuyerLists === 1, { what: 'the buyers of the sold-out sale are known' });

  const latecomer = h.token({ userId: 'latecomer' });
  await order(latecomer); // its rate window starts here, so the refusal below charges it locally
  const { calls, settled } = await watchRedisCalls(t.teardown.bind(t), h.redis);
  const refused = await order(latecomer);
  t.equal(refused.statusCode, 409);
  t.same(refused.json().error, { code: 'SALE_SOLD_OUT', message: refused.json().error.message, details: { sale_id: saleId, remaining: 0 } });
  t.equal(refused.body, fromLua.body, "the pre-serialised refusal is the error handler's, byte for byte");
  t.equal(refused.headers['content-type'], fromLua.headers['content-type']);
  await settled();
  t.same(
    calls.filter((call) => call.includes(saleId) || call.includes('idem:')),
    [],
    'no reservation and no idempotency call',
  );

  t.notOk(hint.refusesAtOnce(saleId, 't2', 'latecomer'), "the list is the sale tenant's: a caller of another tenant is not refused from it");
});

t.test('a buyer whose hold was released and who retries after the sale sold out again still gets the replay of its 201', async (t) => {
  const h = await orderHarness(t);
  const hint = await listeningHint(t, h.redis, h.prefix);
  const app = await h.rebuild({ soldOut: hint });
  const saleId = await h.armSale({ stock: 1, perUserLimit: 1 });
  const order = (token: string, key = randomUUID()) => app.inject(placeOrderRequest(token, key, { sale_id: saleId, quantity: 1 }));
  const first = { token: h.token({ userId: 'first' }), key: randomUUID() };
  const won = await order(first.token, first.key);
  t.equal(won.statusCode, 201);
  t.equal((await order(h.token())).json().error.code, 'SALE_SOLD_OUT');
  await waitFor(() => hint.heldBuyerLists === 1, { what: 'the buyers are known' });

  // The first order's hold ends (expiry, cancellation): its unit comes back and is sold again.
  await h.reservations.release({ saleId, orderId: won.json().id, reason: 'expired' });
  await waitFor(() => !hint.isSoldOut(saleId), { what: 'the stock-returned message reached the process' });
  const second = await order(h.token({ userId: 'second' }));
  t.equal(second.statusCode, 201, 'the returned unit is sold, not refused from the old list');
  t.equal((await order(h.token())).json().error.code, 'SALE_SOLD_OUT');
  await waitFor(() => hint.heldBuyerLists === 1, { what: 'the new buyers are known' });

  const replay = await order(first.token, first.key);
  t.equal(replay.statusCode, 201, 'the released buyer is still listed, so its retry reaches the replay');
  t.same(replay.json(), won.json());
  t.equal(replay.headers['idempotent-replayed'], 'true');
});
