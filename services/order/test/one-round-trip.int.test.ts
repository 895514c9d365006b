// The Idempotency-Key record lives under the sale's hash tag, so the key's claim and the
// reservation are one Redis script: one call before an accepted order's MySQL write, one per
// refusal, and MySQL's unique key refuses a key reused for another sale.
import { randomUUID } from 'node:crypto';
import { waitFor, watchRedisCalls } from '@flash-sale/testkit';
import t from 'tap';
import { orderHarness, placeOrderRequest } from './support/order-harness.ts';

t.test('an accepted order makes one Redis call before its write: the key is claimed by the reservation script', async (t) => {
  const h = await orderHarness(t);
  const saleId = await h.armSale();
  const token = h.token();
  await h.app.inject(placeOrderRequest(token, randomUUID(), { sale_id: saleId, quantity: 1 })); // rate window and scripts warmed
  const { calls, settled } = await watchRedisCalls(t.teardown.bind(t), h.redis);
  const accepted = await h.app.inject(placeOrderRequest(token, randomUUID(), { sale_id: saleId, quantity: 1 }));
  t.equal(accepted.statusCode, 201);
  const touchingSale = () => calls.filter((call) => call.includes('idem:') || call.includes(`{${saleId}}`));
  // The completion is sent after the answer (not awaited): wait for it, then for anything after it.
  await waitFor(() => touchingSale().length >= 2, { what: 'the completion call', timeoutMs: 5000 });
  await settled();
  const touching = touchingSale();
  t.equal(touching.length, 2, `one reservation with the claim, one completion: ${touching.map((call) => call.slice(0, 60)).join(' | ')}`);
  t.ok(touching[0]?.includes(`{${saleId}}:stock`) && touching[0]?.includes('idem:'), 'the first call takes the units and claims the key together');
});

t.test('a stampede before the sale opens costs one Redis call per refusal and leaves the keys free', async (t) => {
  const h = await orderHarness(t);
  const nowMs = h.clock.now.getTime();
  const saleId = await h.armSale({ startsAtMs: nowMs + 60_000 });
  const token = h.token();
  await h.app.inject(placeOrderRequest(token, randomUUID(), { sale_id: saleId, quantity: 1 }));
  const { calls, settled } = await watchRedisCalls(t.teardown.bind(t), h.redis);
  const keys = Array.from({ length: 5 }, () => randomUUID());
  for (const key of keys) t.equal((await h.app.inject(placeOrderRequest(token, key, { sale_id: saleId, quantity: 1 }))).json().error.code, 'SALE_NOT_OPEN');
  await settled();
  t.equal(calls.filter((call) => call.includes('idem:') || call.includes(`{${saleId}}`)).length, 5, 'one call per refused request');
  h.clock.now = new Date(nowMs + 61_000);
  t.equal(
    (await h.app.inject(placeOrderRequest(token, keys[0], { sale_id: saleId, quantity: 1 }))).statusCode,
    201,
    'the refused key is free once the sale opens',
  );
});

t.test('a key reused for another sale is refused with 422 by the books; that sale keeps its stock and its claim is freed', async (t) => {
  const h = await orderHarness(t);
  const first = await h.armSale();
  const second = await h.armSale({ stock: 3 });
  const token = h.token();
  const key = randomUUID();
  t.equal((await h.app.inject(placeOrderRequest(token, key, { sale_id: first, quantity: 1 }))).statusCode, 201);
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const reused = await h.app.inject(placeOrderRequest(token, key, { sale_id: second, quantity: 1 }));
    t.equal(reused.statusCode, 422, `attempt ${attempt + 1}: 422, not 409 in flight`);
    t.equal(reused.json().error.code, 'IDEMPOTENCY_KEY_REUSED');
  }
  t.match(await h.reservations.view(second), { available: 3, held: 0 }, 'the hold taken for the reused key was released');
  const [rows] = await h.db.pool.query('SELECT COUNT(*) AS n FROM orders WHERE sale_id = ?', [second]);
  t.same(rows, [{ n: 0 }]);
});
