import calculateSlot from 'cluster-key-slot';
import { createTestRedisCluster, waitFor } from '@flash-sale/testkit';
import type { Cluster } from 'ioredis';
import t from 'tap';
import { SoldOutHint, StockReservations, rebuildKeys, saleIdempotencyKey, saleKeys } from '../src/index.ts';
import { scripts } from '../src/scripts.ts';
import { T0, saleFixture } from './fixtures/sale.fixture.ts';

/** The master serving a key's slot, as the cluster itself reports it (`host:port`). */
async function masterOf(redis: Cluster, key: string): Promise<string> {
  const slot = Number(await redis.cluster('KEYSLOT', key));
  const ranges = await redis.cluster('SLOTS');
  const range = ranges.find(([from, to]) => slot >= from && slot <= to);
  const master = range?.[2];
  if (!master) throw new Error(`no master serves slot ${slot}`);
  return `${master[0]}:${master[1]}`;
}

const nodeAt = (redis: Cluster, address: string) => {
  const node = redis.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === address);
  if (!node) throw new Error(`no connection to master ${address}`);
  return node;
};

t.test('on a real cluster, every key of a sale (rebuild and Idempotency-Key records too) is in the sale id’s slot, as the server computes it', async (t) => {
  const { redis, prefix } = await createTestRedisCluster(t.teardown.bind(t));
  for (const saleId of ['sale-1', 'b7c0e1a4-0f7e-4c55-9f7e-3f1a2b4c5d6e', 'x']) {
    const keys = [...Object.values(saleKeys(prefix, saleId)), ...Object.values(rebuildKeys(prefix, saleId)), saleIdempotencyKey(prefix, saleId, 't1:u1:abc')];
    const slots = new Set(await Promise.all(keys.map(async (key) => Number(await redis.cluster('KEYSLOT', key)))));
    t.same([...slots], [calculateSlot(saleId)], `one slot, the sale id’s, for ${saleId}`);
  }
});

t.test(
  'every Lua script runs by EVALSHA on the sale’s master of a real cluster: no CROSSSLOT, and reserve, release, commit and close keep their promises',
  async (t) => {
    const { redis, prefix } = await createTestRedisCluster(t.teardown.bind(t));
    const reservations = new StockReservations(redis, { keyPrefix: prefix, nowMs: () => T0 - 1000 });
    const sale = saleFixture({ stock: 3, perUserLimit: 2 });

    t.same(await reservations.arm(sale), { armed: true });
    const idem = { key: saleIdempotencyKey(prefix, sale.saleId, 't1:ann:k1'), requestHash: 'h1', inFlightTtlMs: 30_000 };
    const reserve = (orderId: string, userId: string, idempotency?: typeof idem) =>
      reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId, userId, quantity: 1, nowMs: T0, ...(idempotency ? { idempotency } : {}) });
    t.match(await reserve('o-1', 'ann', idem), { ok: true, replayed: false, remaining: 2 });
    t.same(
      await reserve('o-2', 'ann', idem),
      { ok: false, code: 'IDEMPOTENCY_KEY_SEEN', seen: { kind: 'in_flight' } },
      'the key claimed with the units answers the retry',
    );
    t.match(await reserve('o-1', 'ann'), { ok: true, replayed: true }, 'a repeat of the order replays');
    t.match(await reserve('o-3', 'bob'), { ok: true, remaining: 1 });
    t.match(await reserve('o-4', 'cy'), { ok: true, remaining: 0 });
    t.same(await reserve('o-5', 'dan'), { ok: false, code: 'SALE_SOLD_OUT', remaining: 0 });
    t.match(await reservations.soldOutBuyers(sale.saleId, '', 100), { kind: 'listed', tenantId: 't1' });

    t.same(await reservations.commit({ saleId: sale.saleId, orderId: 'o-1' }), { committed: true });
    t.same(await reservations.release({ saleId: sale.saleId, orderId: 'o-3', reason: 'cancelled' }), { released: true, quantity: 1 });
    t.same(await reservations.view(sale.saleId), { armedStock: 3, available: 1, held: 1, sold: 1 });
    t.same(
      await reservations.findOrderRecords([
        { saleId: sale.saleId, orderId: 'o-1' },
        { saleId: sale.saleId, orderId: 'nope' },
      ]),
      [{ orderId: 'o-1', state: 'C', userId: 'ann', quantity: 1, holdExpiresAtMs: T0 + sale.holdTtlMs }, null],
    );

    // A rebuild that refuses its books (an order listed twice) aborts; one with valid books finishes.
    const twice = { orderId: 'o-1', userId: 'ann', quantity: 1, state: 'committed' as const, holdExpiresAtMs: T0 + sale.holdTtlMs };
    await t.rejects(reservations.rebuild({ ...sale, armedAtMs: T0 - 1000 }, [twice, twice]), { code: 'INVALID_ARGUMENT' });
    t.match(await reservations.view(sale.saleId), { available: 1, held: 1, sold: 1 }, 'the aborted rebuild put the live sale back');
    const books = [twice, { orderId: 'o-4', userId: 'cy', quantity: 1, state: 'held' as const, holdExpiresAtMs: T0 + sale.holdTtlMs }];
    t.match(await reservations.rebuild({ ...sale, armedAtMs: T0 - 1000 }, books), { available: 1, held: 1, sold: 1, orders: 2 });
    t.match(await reservations.close(sale.saleId, T0 + 1), { closedNow: true, available: 1, held: 1, sold: 1 });
    t.same(await reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: 'o-6', userId: 'eve', quantity: 1, nowMs: T0 + 2 }), {
      ok: false,
      code: 'SALE_ENDED',
      remaining: 1,
    });

    const master = nodeAt(redis, await masterOf(redis, saleKeys(prefix, sale.saleId).meta));
    const all = Object.values(scripts);
    const loaded = (await master.script('EXISTS', ...all.map((script) => script.sha))) as number[];
    t.same(
      all.filter((_, i) => loaded[i] !== 1).map((script) => script.name),
      [],
      'each of the package’s scripts ran on the master of the sale’s slot',
    );
  },
);

t.test('lostSales finds the lost sales among sales spread over every master of a cluster', async (t) => {
  const { redis, prefix } = await createTestRedisCluster(t.teardown.bind(t));
  const reservations = new StockReservations(redis, { keyPrefix: prefix });
  const sales = Array.from({ length: 30 }, () => saleFixture());
  for (const sale of sales) await reservations.arm(sale);
  const masters = new Set(await Promise.all(sales.map((sale) => masterOf(redis, saleKeys(prefix, sale.saleId).meta))));
  t.equal(masters.size, redis.nodes('master').length, 'the sales lie on every master');

  const lost = sales.filter((_, i) => i % 7 === 0).map((sale) => sale.saleId);
  for (const saleId of lost) await redis.del(saleKeys(prefix, saleId).meta, saleKeys(prefix, saleId).stock);
  t.same(
    await reservations.lostSales(
      sales.map((sale) => sale.saleId),
      8,
    ),
    lost,
  );
});

t.test('a sold-out hint listening on a cluster hears stock come back from sales on any master (classic pub/sub, broadcast by the cluster)', async (t) => {
  const { redis, prefix } = await createTestRedisCluster(t.teardown.bind(t));
  const subscriber = redis.duplicate();
  t.teardown(() => subscriber.disconnect());
  const hint = new SoldOutHint({ maxAgeMs: 60_000 });
  const reservations = new StockReservations(redis, { keyPrefix: prefix, soldOutHint: hint });
  const stop = await hint.listen(subscriber, reservations.stockReturnedChannel);
  t.teardown(stop);
  const otherProcess = new StockReservations(redis, { keyPrefix: prefix });

  const sales = Array.from({ length: 12 }, () => saleFixture({ stock: 1 }));
  const byMaster = new Map<string, (typeof sales)[number]>();
  for (const sale of sales) byMaster.set(await masterOf(redis, saleKeys(prefix, sale.saleId).meta), sale);
  t.equal(byMaster.size, redis.nodes('master').length, 'one sale on each master');
  for (const sale of byMaster.values()) {
    await reservations.arm(sale);
    t.match(await reservations.reserve({ saleId: sale.saleId, tenantId: 't1', orderId: 'a', userId: 'a', quantity: 1, nowMs: T0 }), { ok: true, remaining: 0 });
    t.ok(hint.isSoldOut(sale.saleId));
    await otherProcess.release({ saleId: sale.saleId, orderId: 'a', reason: 'cancelled' });
    await waitFor(() => !hint.isSoldOut(sale.saleId), { what: `hint of sale ${sale.saleId} cleared by the release's message`, timeoutMs: 5000 });
  }
});
