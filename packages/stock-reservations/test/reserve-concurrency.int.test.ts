import { createTestRedis } from '@flash-sale/testkit';
import t from 'tap';
import { StockReservations } from '../src/index.ts';
import { T0, saleFixture } from './fixtures/sale.fixture.ts';

t.test('2,000 concurrent reserves for 100 units: exactly 100 accepted, available never negative', async (t) => {
  const { redis, prefix } = await createTestRedis(t.teardown.bind(t));
  const reservations = new StockReservations(redis, { keyPrefix: prefix });
  const sale = saleFixture({ stock: 100, perUserLimit: 1 });
  await reservations.arm(sale);

  const samples: number[] = [];
  let running = true;
  const sampler = (async () => {
    while (running) {
      const view = await reservations.view(sale.saleId);
      if (view) samples.push(view.available);
    }
  })();

  const results = await Promise.all(
    Array.from({ length: 2000 }, (_, i) =>
      reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: `o-${i}`, userId: `u-${i}`, quantity: 1, nowMs: T0 + 1000 }),
    ),
  );
  running = false;
  await sampler;

  const accepted = results.filter((r) => r.ok);
  t.equal(accepted.length, 100);
  t.equal(results.filter((r) => !r.ok && r.code === 'SALE_SOLD_OUT').length, 1900);
  t.ok(samples.length > 0, 'sampled while reserving');
  t.ok(
    samples.every((available) => available >= 0),
    `available never negative (min ${Math.min(...samples)})`,
  );
  t.same(await reservations.view(sale.saleId), { armedStock: 100, available: 0, held: 100, sold: 0 });
  const remainders = accepted.map((r) => r.remaining).sort((a, b) => a - b);
  t.same(
    remainders,
    Array.from({ length: 100 }, (_, i) => i),
    'each acceptance saw a distinct remainder',
  );
});

t.test('one user, 50 parallel reserves, limit 2: at most 2 accepted; a release gives the allowance back', async (t) => {
  const { redis, prefix } = await createTestRedis(t.teardown.bind(t));
  const reservations = new StockReservations(redis, { keyPrefix: prefix });
  const sale = saleFixture({ stock: 100, perUserLimit: 2 });
  await reservations.arm(sale);

  const results = await Promise.all(
    Array.from({ length: 50 }, (_, i) =>
      reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: `o-${i}`, userId: 'greedy', quantity: 1, nowMs: T0 }),
    ),
  );
  const acceptedIds = results.flatMap((r, i) => (r.ok ? [`o-${i}`] : []));
  t.equal(acceptedIds.length, 2);
  t.ok(results.filter((r) => !r.ok).every((r) => !r.ok && r.code === 'PER_USER_LIMIT'));
  t.same(await reservations.view(sale.saleId), { armedStock: 100, available: 98, held: 2, sold: 0 });

  // Quantity counts, not orders: a 2-unit order for a fresh user hits the limit with one more unit.
  t.match(await reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: 'big', userId: 'bulk', quantity: 2, nowMs: T0 }), { ok: true });
  t.match(await reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: 'big-2', userId: 'bulk', quantity: 1, nowMs: T0 }), {
    ok: false,
    code: 'PER_USER_LIMIT',
  });

  // Committed units still count; released ones do not.
  await reservations.commit({ saleId: sale.saleId, orderId: acceptedIds[0] ?? '' });
  t.match(await reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: 'again-1', userId: 'greedy', quantity: 1, nowMs: T0 }), {
    ok: false,
    code: 'PER_USER_LIMIT',
  });
  await reservations.release({ saleId: sale.saleId, orderId: acceptedIds[1] ?? '', reason: 'cancelled' });
  t.match(await reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: 'again-2', userId: 'greedy', quantity: 1, nowMs: T0 }), {
    ok: true,
    replayed: false,
  });
  t.equal(await redis.hget(reservations.keys(sale.saleId).users, 'greedy'), '2');
});
