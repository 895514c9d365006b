import { createTestRedis } from '@flash-sale/testkit';
import t from 'tap';
import { StockReservations, saleIdempotencyKey } from '../src/index.ts';
import { T0, saleFixture } from './fixtures/sale.fixture.ts';

t.test('reserve claims an Idempotency-Key record only when it takes units, and reports an earlier request with the key instead of reserving', async (t) => {
  const { redis, prefix } = await createTestRedis(t.teardown.bind(t));
  const reservations = new StockReservations(redis, { keyPrefix: prefix });
  const sale = saleFixture({ stock: 2, perUserLimit: 1 });
  await reservations.arm(sale);
  const key = saleIdempotencyKey(prefix, sale.saleId, 't1:ann:k1');
  const reserve = (orderId: string, requestHash: string, idemKey = key) =>
    reservations.reserve({
      saleId: sale.saleId,
      tenantId: 't1',
      orderId,
      userId: 'ann',
      quantity: 1,
      nowMs: T0,
      idempotency: { key: idemKey, requestHash, inFlightTtlMs: 30_000 },
    });

  t.match(await reserve('o-1', 'h1'), { ok: true, remaining: 1 });
  t.same(await redis.hgetall(key), { state: 'in_flight', hash: 'h1' });
  t.same(await reserve('o-2', 'h1'), { ok: false, code: 'IDEMPOTENCY_KEY_SEEN', seen: { kind: 'in_flight' } });
  t.same(await reserve('o-3', 'h2'), { ok: false, code: 'IDEMPOTENCY_KEY_SEEN', seen: { kind: 'mismatch' } });
  await redis.hset(key, 'state', 'completed', 'status', '201', 'body', '{"id":"o-1"}');
  t.same(await reserve('o-4', 'h1'), { ok: false, code: 'IDEMPOTENCY_KEY_SEEN', seen: { kind: 'completed', status: 201, body: '{"id":"o-1"}' } });
  t.match(await reservations.view(sale.saleId), { available: 1, held: 1 }, 'none of those took units');

  const refusedKey = saleIdempotencyKey(prefix, sale.saleId, 't1:ann:k2');
  t.match(await reserve('o-5', 'h3', refusedKey), { ok: false, code: 'PER_USER_LIMIT' });
  t.equal(await redis.exists(refusedKey), 0, 'a refusal leaves the key free');
  await t.rejects(reserve('o-6', 'h4', `${prefix}idem:elsewhere`), { code: 'INVALID_ARGUMENT' }, "a record outside the sale's slot is refused");
});
