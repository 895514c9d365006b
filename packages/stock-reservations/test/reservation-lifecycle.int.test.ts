import { createTestRedis } from '@flash-sale/testkit';
import t, { type Test } from 'tap';
import { StockReservations } from '../src/index.ts';
import { T0, saleFixture } from './fixtures/sale.fixture.ts';

const setup = async (t: Test, overrides = {}) => {
  const { redis, prefix } = await createTestRedis(t.teardown.bind(t));
  const reservations = new StockReservations(redis, { keyPrefix: prefix, nowMs: () => T0 - 60_000 });
  const sale = saleFixture(overrides);
  return { redis, reservations, sale };
};

t.test('arm is idempotent: a second arm does not reset the stock', async (t) => {
  const { reservations, sale } = await setup(t);
  t.equal(await reservations.view(sale.saleId), null, 'not armed yet');
  t.same(await reservations.arm(sale), { armed: true });
  await reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: 'o1', userId: 'u1', quantity: 3, nowMs: T0 });
  t.same(await reservations.arm({ ...sale, stock: 500 }), { armed: false });
  t.same(await reservations.view(sale.saleId), { armedStock: 10, available: 7, held: 3, sold: 0 });
  await t.rejects(reservations.arm({ ...sale, saleId: 'other', endsAtMs: sale.startsAtMs }), { code: 'INVALID_ARGUMENT' });
  await t.rejects(reservations.arm({ ...sale, saleId: 'other', stock: -1 }), { code: 'INVALID_ARGUMENT' });
});

t.test('reserve is idempotent on the order id; it returns the sale terms', async (t) => {
  const { reservations, sale } = await setup(t);
  await reservations.arm(sale);
  const input = { saleId: sale.saleId, tenantId: 't1', orderId: 'o1', userId: 'u1', quantity: 2, nowMs: T0 + 5 };
  const first = await reservations.reserve(input);
  t.same(first, {
    ok: true,
    replayed: false,
    holdExpiresAtMs: T0 + 5 + 600_000,
    remaining: 8,
    unitPriceMinor: 1999,
    currency: 'EUR',
    skuId: 'sku-1',
    tenantId: 't1',
  });
  const again = await reservations.reserve({ ...input, nowMs: T0 + 999 });
  t.same(again, { ...first, replayed: true }, 'same hold, same expiry, nothing taken again');
  t.same(await reservations.view(sale.saleId), { armedStock: 10, available: 8, held: 2, sold: 0 });
});

t.test('the sale window, tenant and stock are checked; refusals write nothing', async (t) => {
  const { redis, reservations, sale } = await setup(t, { stock: 3 });
  const reserve = (orderId: string, nowMs: number, extra: { quantity?: number; tenantId?: string; saleId?: string } = {}) =>
    reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId, userId: `u-${orderId}`, quantity: 1, nowMs, ...extra });

  t.same(await reserve('o0', T0), { ok: false, code: 'SALE_NOT_FOUND', remaining: 0 }, 'not armed');
  await reservations.arm(sale);
  t.match(await reserve('early', T0 - 1), { ok: false, code: 'SALE_NOT_OPEN', remaining: 3 });
  t.match(await reserve('late', sale.endsAtMs), { ok: false, code: 'SALE_ENDED' });
  t.match(await reserve('other-tenant', T0, { tenantId: 't2' }), { ok: false, code: 'SALE_NOT_FOUND' });
  t.match(await reserve('too-many', T0, { quantity: 4 }), { ok: false, code: 'INSUFFICIENT_STOCK', remaining: 3 });
  t.match(await reserve('first', T0), { ok: true, remaining: 2 });
  t.match(await reserve('last-tick', sale.endsAtMs - 1, { quantity: 2 }), { ok: true, remaining: 0 });
  t.same(await reserve('after', T0), { ok: false, code: 'SALE_SOLD_OUT', remaining: 0 });
  await t.rejects(reserve('zero', T0, { quantity: 0 }), { code: 'INVALID_ARGUMENT' });
  await t.rejects(reserve('frac', T0, { quantity: 1.5 }), { code: 'INVALID_ARGUMENT' });

  const orders = await redis.hkeys(reservations.keys(sale.saleId).orders);
  t.same(orders.sort(), ['first', 'last-tick'], 'only the accepted orders left a record');
});

t.test('release is idempotent, returns stock and refuses a committed order unless restocking', async (t) => {
  const { redis, reservations, sale } = await setup(t);
  await reservations.arm(sale);
  const k = reservations.keys(sale.saleId);
  await reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: 'held', userId: 'u1', quantity: 2, nowMs: T0 });
  await reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: 'paid', userId: 'u2', quantity: 3, nowMs: T0 });
  t.same(await redis.zrange(k.expiry, 0, -1), ['held', 'paid']);

  t.same(await reservations.release({ saleId: sale.saleId, orderId: 'held', reason: 'cancelled' }), { released: true, quantity: 2 });
  t.same(await reservations.release({ saleId: sale.saleId, orderId: 'held', reason: 'cancelled' }), { released: false, quantity: 2 });
  t.same(await reservations.release({ saleId: sale.saleId, orderId: 'never', reason: 'orphan' }), { released: false, quantity: 0 });
  t.same(await reservations.view(sale.saleId), { armedStock: 10, available: 7, held: 3, sold: 0 });
  t.match(JSON.parse((await redis.hget(k.orders, 'held')) ?? '{}'), { s: 'R', q: 2, u: 'u1', r: 'cancelled' });
  await t.rejects(reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: 'held', userId: 'u1', quantity: 2, nowMs: T0 }), {
    code: 'ORDER_RELEASED',
  });

  t.same(await reservations.commit({ saleId: sale.saleId, orderId: 'paid' }), { committed: true });
  t.same(await reservations.commit({ saleId: sale.saleId, orderId: 'paid' }), { committed: false }, 'commit is idempotent');
  t.same(await reservations.view(sale.saleId), { armedStock: 10, available: 7, held: 0, sold: 3 });
  t.same(await redis.zrange(k.expiry, 0, -1), [], 'no hold left to expire');

  await t.rejects(reservations.release({ saleId: sale.saleId, orderId: 'paid', reason: 'orphan' }), { code: 'ORDER_COMMITTED' });
  t.same(await reservations.view(sale.saleId), { armedStock: 10, available: 7, held: 0, sold: 3 }, 'refused release changed nothing');
  t.same(await reservations.release({ saleId: sale.saleId, orderId: 'paid', reason: 'refunded', restock: true }), { released: true, quantity: 3 });
  t.same(await reservations.release({ saleId: sale.saleId, orderId: 'paid', reason: 'refunded', restock: true }), { released: false, quantity: 3 });
  t.same(await reservations.view(sale.saleId), { armedStock: 10, available: 10, held: 0, sold: 0 });
  t.equal(await redis.hlen(k.users), 0, 'every allowance given back');

  await t.rejects(reservations.commit({ saleId: sale.saleId, orderId: 'held' }), { code: 'ORDER_RELEASED' });
  await t.rejects(reservations.commit({ saleId: sale.saleId, orderId: 'nope' }), { code: 'ORDER_NOT_FOUND' });
});

t.test('expired holds are listed by their expiry', async (t) => {
  const { reservations, sale } = await setup(t, { holdTtlMs: 1000 });
  await reservations.arm(sale);
  await reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: 'a', userId: 'u1', quantity: 1, nowMs: T0 });
  await reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: 'b', userId: 'u2', quantity: 1, nowMs: T0 + 500 });
  t.same(await reservations.expiredHolds(sale.saleId, T0 + 999), []);
  t.same(await reservations.expiredHolds(sale.saleId, T0 + 1000), ['a']);
  t.same(await reservations.expiredHolds(sale.saleId, T0 + 5000), ['a', 'b']);
});

t.test('rebuild sets the keys from authoritative numbers, validates first, and is repeatable', async (t) => {
  const { redis, reservations, sale } = await setup(t, { stock: 10, perUserLimit: 2 });
  await reservations.arm(sale);
  await redis.del(...Object.values(reservations.keys(sale.saleId)));
  t.equal(await reservations.view(sale.saleId), null, 'Redis lost the sale');

  const orders = [
    { orderId: 'h1', userId: 'u1', quantity: 2, state: 'held' as const, holdExpiresAtMs: T0 + 60_000 },
    { orderId: 'c1', userId: 'u2', quantity: 3, state: 'committed' as const, holdExpiresAtMs: T0 + 60_000 },
  ];
  await t.rejects(reservations.rebuild({ ...sale, stock: 4, armedAtMs: T0 - 1 }, orders), { code: 'OVERSUBSCRIBED' });
  await t.rejects(reservations.rebuild({ ...sale, armedAtMs: T0 - 1 }, [...orders, orders[0]!]), { code: 'INVALID_ARGUMENT' });
  t.equal(await reservations.view(sale.saleId), null, 'refused rebuilds wrote nothing');

  const view = { armedStock: 10, available: 5, held: 2, sold: 3 };
  t.same(await reservations.rebuild({ ...sale, armedAtMs: T0 - 1 }, orders), { ...view, orders: 2, carriedHolds: 0 });
  t.same(await reservations.rebuild({ ...sale, armedAtMs: T0 - 1 }, orders), { ...view, orders: 2, carriedHolds: 0 }, 'a second rebuild gives the same state');
  t.same(await reservations.view(sale.saleId), view);

  // The rebuilt sale goes on: limits, replays and commits work on the restored holds.
  t.match(await reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: 'h1', userId: 'u1', quantity: 2, nowMs: T0 }), {
    ok: true,
    replayed: true,
    holdExpiresAtMs: T0 + 60_000,
  });
  t.match(await reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: 'n1', userId: 'u1', quantity: 1, nowMs: T0 }), {
    ok: false,
    code: 'PER_USER_LIMIT',
  });
  t.same(await reservations.commit({ saleId: sale.saleId, orderId: 'h1' }), { committed: true });
  t.same(await reservations.view(sale.saleId), { armedStock: 10, available: 5, held: 0, sold: 5 });
});

t.test('scripts survive SCRIPT FLUSH (EVALSHA falls back to EVAL)', async (t) => {
  const { redis, reservations, sale } = await setup(t);
  await reservations.arm(sale);
  await redis.script('FLUSH');
  t.match(await reservations.view(sale.saleId), { armedStock: 10 });
});
