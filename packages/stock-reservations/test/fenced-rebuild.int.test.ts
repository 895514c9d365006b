// The fenced, chunked rebuild: large sales in bounded memory, single flight, no interleaving with
// reservations, in-flight holds carried over, a refused rebuild leaves the sale as it was.
import { createTestRedis } from '@flash-sale/testkit';
import t, { type Test } from 'tap';
import { StockReservations, rebuildKeys, type RebuildOrder } from '../src/index.ts';
import { T0, saleFixture } from './fixtures/sale.fixture.ts';

const setup = async (t: Test, overrides = {}) => {
  const { redis, prefix } = await createTestRedis(t.teardown.bind(t));
  const reservations = new StockReservations(redis, { keyPrefix: prefix, nowMs: () => T0 - 60_000 });
  const sale = { ...saleFixture(overrides), armedAtMs: T0 - 60_000 };
  return { redis, prefix, reservations, sale };
};

/** Generated one at a time, as the reconciler streams MySQL pages: never one array of every order. */
async function* generatedOrders(count: number, committedEvery: number): AsyncGenerator<RebuildOrder> {
  for (let i = 0; i < count; i += 1) {
    yield {
      orderId: `o-${i}`,
      userId: `u-${i % 50_000}`,
      quantity: 1,
      state: i % committedEvery === 0 ? 'committed' : 'held',
      holdExpiresAtMs: T0 + 600_000 + i,
    };
  }
}

t.test('a sale of 100,000 orders is rebuilt in chunks, in bounded memory, with exact counters', async (t) => {
  const { redis, prefix, reservations, sale } = await setup(t, { stock: 150_000, perUserLimit: 2 });
  await reservations.arm(sale);
  await redis.del(...Object.values(reservations.keys(sale.saleId)));

  // Live heap (after a collection, when the package's tap config exposes gc), sampled while it runs.
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPeak = heapBefore;
  const sampler = setInterval(() => {
    collect?.();
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }, 500);
  const started = performance.now();
  const outcome = await reservations.rebuild(sale, generatedOrders(100_000, 4));
  const elapsedMs = performance.now() - started;
  clearInterval(sampler);
  const liveMiB = (heapPeak - heapBefore) / 1048576;
  t.comment(`rebuilt 100,000 orders in ${Math.round(elapsedMs)} ms; ${collect ? 'live' : 'uncollected'} heap peak +${liveMiB.toFixed(1)} MiB`);
  if (collect) t.ok(liveMiB < 32, 'memory stays bounded by one chunk, not the sale');

  t.same(outcome, { armedStock: 150_000, available: 50_000, held: 75_000, sold: 25_000, orders: 100_000, carriedHolds: 0 });
  t.same(await reservations.view(sale.saleId), { armedStock: 150_000, available: 50_000, held: 75_000, sold: 25_000 });
  const k = reservations.keys(sale.saleId);
  t.equal(await redis.hlen(k.orders), 100_000, 'every order is on record');
  t.equal(await redis.zcard(k.expiry), 75_000, 'every hold has its expiry');
  t.equal(await redis.hget(k.users, 'u-7'), '2', 'per-user units count both of the user’s orders');
  const rb = Object.values(rebuildKeys(prefix, sale.saleId));
  t.equal(await redis.exists(...rb), 0, 'no staging key, no lock left behind');
  t.ok(elapsedMs < 60_000, 'bounded time');
  t.match(
    await reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: 'o-7', userId: 'u-7', quantity: 1, nowMs: T0 }),
    { ok: true, replayed: true },
    'a rebuilt order replays',
  );
  t.match(await reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: 'new', userId: 'u-7', quantity: 1, nowMs: T0 }), {
    ok: false,
    code: 'PER_USER_LIMIT',
  });
});

t.test('reserves during a rebuild never interleave with it: each is refused as not found or lands on the rebuilt sale, and the counters balance', async (t) => {
  const { redis, reservations, sale } = await setup(t, { stock: 5_000, perUserLimit: 1 });
  await reservations.arm(sale);
  await redis.del(...Object.values(reservations.keys(sale.saleId)));

  let rebuilding = true;
  const results: Array<{ ok: boolean; code?: string; during: boolean }> = [];
  let n = 0;
  let after = 0;
  const buyers = Array.from({ length: 8 }, async () => {
    while (rebuilding || after < 200) {
      const i = (n += 1);
      const during = rebuilding;
      if (!during) after += 1;
      const result = await reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: `buyer-${i}`, userId: `buyer-${i}`, quantity: 1, nowMs: T0 });
      results.push({ ok: result.ok, ...(result.ok ? {} : { code: result.code }), during });
    }
  });
  // Small chunks: many Redis calls, many chances for a reserve to slip in between them.
  const outcome = await reservations.rebuild(sale, generatedOrders(3_000, 3), { chunkSize: 100 });
  rebuilding = false;
  await Promise.all(buyers);

  const accepted = results.filter((r) => r.ok).length;
  const refused = results.filter((r) => !r.ok);
  t.ok(
    refused.every((r) => r.code === 'SALE_NOT_FOUND'),
    `every refusal is SALE_NOT_FOUND: ${JSON.stringify([...new Set(refused.map((r) => r.code))])}`,
  );
  t.ok(refused.length > 0, `${refused.length} reserves were fenced off while the rebuild ran`);
  t.ok(accepted >= 200, `${accepted} reserves landed after the finish`);
  t.same(outcome, { armedStock: 5_000, available: 2_000, held: 2_000, sold: 1_000, orders: 3_000, carriedHolds: 0 });
  const view = await reservations.view(sale.saleId);
  t.same(
    view,
    { armedStock: 5_000, available: 2_000 - accepted, held: 2_000 + accepted, sold: 1_000 },
    'the rebuilt counters plus exactly the accepted reserves',
  );
  t.equal(await redis.hlen(reservations.keys(sale.saleId).orders), 3_000 + accepted, 'no accepted hold lost at the switch');
});

t.test('single flight: a second rebuild of the same sale while one runs is refused and changes nothing', async (t) => {
  const { reservations, sale } = await setup(t, { stock: 10 });
  await reservations.arm(sale);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  async function* slowOrders(): AsyncGenerator<RebuildOrder> {
    yield { orderId: 'a', userId: 'u1', quantity: 2, state: 'held', holdExpiresAtMs: T0 + 60_000 };
    await gate;
  }
  const first = reservations.rebuild(sale, slowOrders(), { chunkSize: 1 });
  await new Promise((resolve) => setTimeout(resolve, 50));
  await t.rejects(reservations.rebuild(sale, []), { code: 'REBUILD_IN_PROGRESS' });
  release();
  t.match(await first, { available: 8, held: 2, sold: 0 });
  t.match(await reservations.rebuild(sale, []), { available: 10, held: 0 }, 'once finished, the next rebuild may run');
});

t.test('holds the live keys still have for orders the books do not list yet are carried over; expired ones are not', async (t) => {
  const { redis, reservations, sale } = await setup(t, { stock: 10, holdTtlMs: 60_000 });
  await reservations.arm(sale);
  await reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: 'in-flight', userId: 'u-a', quantity: 2, nowMs: T0 });
  await reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: 'stale', userId: 'u-b', quantity: 1, nowMs: T0 - 120_000 + 1 });
  await reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: 'known', userId: 'u-c', quantity: 1, nowMs: T0 });
  const books: RebuildOrder[] = [{ orderId: 'known', userId: 'u-c', quantity: 1, state: 'committed', holdExpiresAtMs: T0 + 60_000 }];

  const outcome = await reservations.rebuild(sale, books, { carryLiveHoldsAtMs: T0 });
  t.same(outcome, { armedStock: 10, available: 7, held: 2, sold: 1, orders: 1, carriedHolds: 1 }, 'the books win for a known order; one in-flight hold kept');
  t.same(await reservations.expiredHolds(sale.saleId, Number.MAX_SAFE_INTEGER), ['in-flight']);
  t.equal(await redis.hget(reservations.keys(sale.saleId).users, 'u-a'), '2');
  t.equal(await redis.hget(reservations.keys(sale.saleId).users, 'u-b'), null, 'the expired hold is gone with its allowance');
});

t.test('books that oversell the armed stock: the rebuild is refused and the sale is left exactly as it was', async (t) => {
  const { redis, prefix, reservations, sale } = await setup(t, { stock: 3 });
  await reservations.arm(sale);
  await reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: 'x', userId: 'u', quantity: 1, nowMs: T0 });
  const books: RebuildOrder[] = Array.from({ length: 4 }, (_, i) => ({
    orderId: `b-${i}`,
    userId: `u-${i}`,
    quantity: 1,
    state: 'committed',
    holdExpiresAtMs: T0,
  }));
  await t.rejects(reservations.rebuild(sale, books), { code: 'OVERSUBSCRIBED' });
  await t.rejects(reservations.rebuild(sale, [books[0]!, books[0]!]), { code: 'INVALID_ARGUMENT' });
  await t.rejects(
    reservations.rebuild({ ...sale, endsAtMs: sale.startsAtMs }, books.slice(0, 1)),
    { code: 'INVALID_ARGUMENT' },
    'the finish refuses a definition arm would refuse',
  );
  t.same(await reservations.view(sale.saleId), { armedStock: 3, available: 2, held: 1, sold: 0 }, 'meta put back, counters untouched');
  t.match(await reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: 'y', userId: 'u2', quantity: 1, nowMs: T0 }), { ok: true });
  const rb = rebuildKeys(prefix, sale.saleId);
  t.equal(await redis.exists(...Object.values(rb)), 0, 'no lock or staging left behind');
});

t.test('lostSales names the sales whose keys are gone, not those armed or being rebuilt', async (t) => {
  const { redis, prefix, reservations, sale } = await setup(t);
  const gone = { ...saleFixture(), armedAtMs: T0 };
  const rebuilding = { ...saleFixture(), armedAtMs: T0 };
  await reservations.arm(sale);
  await reservations.arm(rebuilding);
  const k = reservations.keys(rebuilding.saleId);
  await redis.set(rebuildKeys(prefix, rebuilding.saleId).lock, 'someone', 'PX', 10_000);
  await redis.del(k.meta);
  t.same(await reservations.lostSales([sale.saleId, gone.saleId, rebuilding.saleId], 2), [gone.saleId]);
});

t.test('the sale definition is read again once the fence is up, so a sale ended before it is not reopened by the rebuild', async (t) => {
  const { reservations, sale } = await setup(t, { stock: 10 });
  await reservations.arm(sale);
  // Read before the fence: still open. Ended meanwhile (its window closed at T0 + 1).
  const ended = { ...sale, endsAtMs: T0 + 1 };
  t.match(await reservations.rebuild(sale, [], { rereadSale: async () => ended }), { available: 10 });
  t.match(await reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: 'late', userId: 'u', quantity: 1, nowMs: T0 + 5 }), {
    ok: false,
    code: 'SALE_ENDED',
  });
});
