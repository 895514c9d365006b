import { randomUUID } from 'node:crypto';
import { deleteMatchingKeys } from '@flash-sale/testkit';
import t from 'tap';
import { orderHarness, placeOrderRequest } from './support/order-harness.ts';

t.test('Idempotency-Key rules (IETF draft)', async (t) => {
  const h = await orderHarness(t);
  const saleId = await h.armSale({ stock: 100, perUserLimit: 10 });
  const token = h.token({ userId: 'alice' });
  const body = { sale_id: saleId, quantity: 1 };

  t.test('missing key → 400', async (t) => {
    const response = await h.app.inject(placeOrderRequest(token, undefined, body));
    t.equal(response.statusCode, 400);
    t.equal(response.json().error.code, 'IDEMPOTENCY_KEY_MISSING');
  });

  t.test('same key, same body → the first response replayed, one order', async (t) => {
    const key = randomUUID();
    const first = await h.app.inject(placeOrderRequest(token, key, body));
    const second = await h.app.inject(placeOrderRequest(token, key, body));
    t.equal(first.statusCode, 201);
    t.equal(second.statusCode, 201);
    t.same(second.json(), first.json());
    t.equal(second.headers['idempotent-replayed'], 'true');
    const [rows] = (await h.db.pool.query('SELECT COUNT(*) AS n FROM orders WHERE id = ?', [first.json().id])) as unknown as [Array<{ n: number }>];
    t.equal(Number(rows[0]?.n), 1);
  });

  t.test('same key, different body → 422', async (t) => {
    const key = randomUUID();
    t.equal((await h.app.inject(placeOrderRequest(token, key, body))).statusCode, 201);
    const other = await h.app.inject(placeOrderRequest(token, key, { ...body, quantity: 2 }));
    t.equal(other.statusCode, 422);
    t.equal(other.json().error.code, 'IDEMPOTENCY_KEY_REUSED');
  });

  t.test('same key while the first is in flight → 409', async (t) => {
    const key = randomUUID();
    const [a, b] = await Promise.all([h.app.inject(placeOrderRequest(token, key, body)), h.app.inject(placeOrderRequest(token, key, body))]);
    const statuses = [a.statusCode, b.statusCode].sort();
    t.same(statuses, [201, 409]);
    const conflict = a.statusCode === 409 ? a : b;
    t.equal(conflict.json().error.code, 'IDEMPOTENCY_REQUEST_IN_FLIGHT');
  });

  t.test('keys are scoped per user', async (t) => {
    const key = randomUUID();
    const mine = await h.app.inject(placeOrderRequest(token, key, body));
    const theirs = await h.app.inject(placeOrderRequest(h.token({ userId: 'bob' }), key, body));
    t.equal(mine.statusCode, 201);
    t.equal(theirs.statusCode, 201);
    t.not(theirs.json().id, mine.json().id);
  });

  t.test('a refusal frees the key: after sold out, a retry is judged again', async (t) => {
    const small = await h.armSale({ stock: 1, perUserLimit: 1 });
    const winner = { token: h.token(), key: randomUUID() };
    const won = await h.app.inject(placeOrderRequest(winner.token, winner.key, { sale_id: small, quantity: 1 }));
    t.equal(won.statusCode, 201);
    const key = randomUUID();
    const refused = await h.app.inject(placeOrderRequest(token, key, { sale_id: small, quantity: 1 }));
    t.equal(refused.json().error.code, 'SALE_SOLD_OUT');
    const again = await h.app.inject(placeOrderRequest(token, key, { sale_id: small, quantity: 1 }));
    t.equal(again.json().error.code, 'SALE_SOLD_OUT');
    const replay = await h.app.inject(placeOrderRequest(winner.token, winner.key, { sale_id: small, quantity: 1 }));
    t.equal(replay.statusCode, 201, "known sold out, yet the winner's retry replays its 201");
    t.same(replay.json(), won.json());
  });

  t.test('Redis lost the record: MySQL answers the replay and no second order is made', async (t) => {
    const key = randomUUID();
    const first = await h.app.inject(placeOrderRequest(token, key, body));
    const before = (await h.reservations.view(saleId))?.available;
    t.ok((await deleteMatchingKeys(h.redis, `${h.prefix}sale:*:idem:*`)) > 0, 'the record is gone from Redis');
    const replay = await h.app.inject(placeOrderRequest(token, key, body));
    t.equal(replay.statusCode, 201);
    t.same(replay.json(), first.json());
    t.equal((await h.reservations.view(saleId))?.available, before, 'the extra hold was released');
    const mismatch = await h.app.inject(placeOrderRequest(token, randomUUID(), body));
    t.equal(mismatch.statusCode, 201, 'a fresh key still works');
  });
});
