// A retry must get its order's 201 back even when Redis no longer has the Idempotency-Key's record
// (a write whose answer was lost and whose key was freed, a Redis restart that lost its last second):
// MySQL keeps the committed record, and a refusal the order itself causes must not hide it.
import { randomUUID } from 'node:crypto';
import { SoldOutHint, stockReturnedChannel } from '@flash-sale/stock-reservations';
import { waitFor } from '@flash-sale/testkit';
import t from 'tap';
import { IdempotencyStore } from '../src/infra/idempotency.store.ts';
import { orderHarness, placeOrderRequest, type OrderHarness } from './support/order-harness.ts';

/** The Redis record of a buyer's key, named the way the service names it. */
const recordOf = (h: OrderHarness, saleId: string, userId: string, key: string) =>
  new IdempotencyStore(h.redis, h.db.pool, { keyPrefix: h.prefix }).recordKey({ tenantId: 't1', userId, key, saleId });

/** Removes the Redis record of an Idempotency-Key, as a Redis that lost its last writes would. */
async function forgetKeyInRedis(h: OrderHarness, record: string): Promise<void> {
  await waitFor(async () => (await h.redis.exists(record)) === 1, { what: 'the key record cached in Redis' });
  await h.redis.del(record);
}

t.test('a retry whose order committed is answered 201, not refused by the per-user limit its own order fills', async (t) => {
  const h = await orderHarness(t);
  const saleId = await h.armSale({ stock: 10, perUserLimit: 1 });
  const token = h.token({ userId: 'one-order-buyer' });
  const key = randomUUID();
  const first = await h.app.inject(placeOrderRequest(token, key, { sale_id: saleId, quantity: 1 }));
  t.equal(first.statusCode, 201, first.body);
  await forgetKeyInRedis(h, recordOf(h, saleId, 'one-order-buyer', key));

  const retry = await h.app.inject(placeOrderRequest(token, key, { sale_id: saleId, quantity: 1 }));
  t.equal(retry.statusCode, 201, retry.body);
  t.equal(retry.json().id, first.json().id, 'the same order');
  t.equal(retry.headers['idempotent-replayed'], 'true');
  t.match(await h.reservations.view(saleId), { available: 9, held: 1 }, 'no second hold');
  const other = await h.app.inject(placeOrderRequest(token, randomUUID(), { sale_id: saleId, quantity: 1 }));
  t.equal(other.json().error.code, 'PER_USER_LIMIT', 'a new key of the same buyer is still held to the limit');
});

t.test('a buyer of a sold-out sale retrying an order whose record Redis lost is answered 201, not sold out', async (t) => {
  const h = await orderHarness(t);
  const hint = new SoldOutHint({ maxAgeMs: 60_000 });
  const subscriber = h.redis.duplicate();
  t.teardown(() => subscriber.disconnect());
  t.teardown(await hint.listen(subscriber, stockReturnedChannel(h.prefix)));
  const app = await h.rebuild({ soldOut: hint });
  const saleId = await h.armSale({ stock: 1, perUserLimit: 1 });
  const token = h.token({ userId: 'last-unit-buyer' });
  const key = randomUUID();
  const first = await app.inject(placeOrderRequest(token, key, { sale_id: saleId, quantity: 1 }));
  t.equal(first.statusCode, 201, first.body);
  t.equal((await app.inject(placeOrderRequest(h.token(), randomUUID(), { sale_id: saleId, quantity: 1 }))).json().error.code, 'SALE_SOLD_OUT');
  await waitFor(() => hint.heldBuyerLists === 1, { what: 'the buyers of the sold-out sale are known' });
  await forgetKeyInRedis(h, recordOf(h, saleId, 'last-unit-buyer', key));

  const retry = await app.inject(placeOrderRequest(token, key, { sale_id: saleId, quantity: 1 }));
  t.equal(retry.statusCode, 201, retry.body);
  t.equal(retry.json().id, first.json().id, 'the same order');
});
