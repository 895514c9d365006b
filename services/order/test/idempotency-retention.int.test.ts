import { randomUUID } from 'node:crypto';
import { deleteMatchingKeys } from '@flash-sale/testkit';
import t from 'tap';
import { IdempotencyStore } from '../src/infra/idempotency.store.ts';
import { orderHarness, placeOrderRequest } from './support/order-harness.ts';

const HOUR_MS = 3600 * 1000;

t.test('Idempotency-Keys that differ only in letter case are two keys: two orders, no replay', async (t) => {
  const h = await orderHarness(t);
  const saleId = await h.armSale({ stock: 10, perUserLimit: 10 });
  const token = h.token({ userId: 'alice' });
  const body = { sale_id: saleId, quantity: 1 };
  const upper = await h.app.inject(placeOrderRequest(token, 'Key-A', body));
  const lower = await h.app.inject(placeOrderRequest(token, 'key-a', body));
  t.equal(upper.statusCode, 201);
  t.equal(lower.statusCode, 201);
  t.not(lower.json().id, upper.json().id, 'a second order, not the first one replayed');
  t.notOk(lower.headers['idempotent-replayed']);
  const [rows] = (await h.db.pool.query('SELECT idem_key FROM idempotency_keys WHERE user_id = ? ORDER BY idem_key', ['alice'])) as unknown as [
    Array<{ idem_key: string }>,
  ];
  t.same(
    rows.map((row) => row.idem_key),
    ['Key-A', 'key-a'],
  );
});

t.test('an expired Idempotency-Key is never replayed from MySQL: the key starts afresh', async (t) => {
  const h = await orderHarness(t);
  const saleId = await h.armSale({ stock: 10, perUserLimit: 10, endsAtMs: h.clock.now.getTime() + 100 * HOUR_MS });
  const token = h.token({ userId: 'alice' });
  const body = { sale_id: saleId, quantity: 1 };
  const first = await h.app.inject(placeOrderRequest(token, 'reused-key', body));
  t.equal(first.statusCode, 201);

  // 25 hours later Redis has long dropped the record (its TTL is the same 24 h); MySQL still has
  // the row because no purge ran yet.
  h.clock.now = new Date(h.clock.now.getTime() + 25 * HOUR_MS);
  await deleteMatchingKeys(h.redis, `${h.prefix}sale:*:idem:*`);

  const responses = [];
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const response = await h.app.inject(placeOrderRequest(token, 'reused-key', body));
    responses.push(response);
    if (response.statusCode === 201) break;
  }
  for (const response of responses) {
    t.notOk(response.headers['idempotent-replayed'], `attempt answered ${response.statusCode} without replaying`);
    if (response.statusCode === 201) t.not(response.json().id, first.json().id, 'a new order');
  }
  t.equal(responses.at(-1)?.statusCode, 201, 'a retry places the new order');
});

t.test('expired Idempotency-Key records are purged in bounded batches; live ones stay', async (t) => {
  const h = await orderHarness(t);
  const now = h.clock.now;
  const row = (key: string, expiresAt: Date) => ['t1', 'u1', key, 'h'.repeat(64), randomUUID(), 201, '{}', now, expiresAt];
  const expired = Array.from({ length: 2300 }, (_, i) => row(`old-${i}`, new Date(now.getTime() - 1000)));
  const live = Array.from({ length: 5 }, (_, i) => row(`new-${i}`, new Date(now.getTime() + HOUR_MS)));
  await h.db.pool.query(
    'INSERT INTO idempotency_keys (tenant_id, user_id, idem_key, request_hash, order_id, response_status, response_body, created_at, expires_at) VALUES ?',
    [[...expired, ...live]],
  );
  const store = new IdempotencyStore(h.redis, h.db.pool, { keyPrefix: h.prefix, now: () => h.clock.now });
  t.equal(await store.purgeExpired({ batchSize: 1000, pauseMs: 1, maxBatches: 2 }), 2000, 'at most two batches of 1000 per run');
  t.equal(await store.purgeExpired({ batchSize: 1000, pauseMs: 1 }), 300);
  const [left] = (await h.db.pool.query('SELECT idem_key FROM idempotency_keys ORDER BY idem_key')) as unknown as [Array<{ idem_key: string }>];
  t.same(
    left.map((r) => r.idem_key),
    ['new-0', 'new-1', 'new-2', 'new-3', 'new-4'],
  );
});
