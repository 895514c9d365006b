import t from 'tap';
import { publicSaleStatus } from '../src/domain/sale-status.ts';
import { ShortLivedCache } from '../src/infra/short-lived-cache.ts';

t.test('a sale is upcoming before its start, live from it, sold out at zero, ended at its end or once ended', async (t) => {
  const sale = { startsAtMs: 1000, endsAtMs: 2000, ended: false };
  t.equal(publicSaleStatus(sale, 5, 999), 'upcoming');
  t.equal(publicSaleStatus(sale, 5, 1000), 'live');
  t.equal(publicSaleStatus(sale, 0, 1500), 'sold-out');
  t.equal(publicSaleStatus(sale, 5, 1999), 'live');
  t.equal(publicSaleStatus(sale, 5, 2000), 'ended');
  t.equal(publicSaleStatus(sale, 0, 2000), 'ended', 'over beats sold out');
  t.equal(publicSaleStatus({ ...sale, ended: true }, 5, 1500), 'ended', 'ended by ops within its window');
  t.equal(publicSaleStatus({ ...sale, ended: true }, 5, 500), 'ended', 'ended before it opened');
});

const clock = () => {
  const state = { now: 0 };
  return { state, nowMs: () => state.now };
};

t.test('concurrent callers of one key share one load; the value is served until its TTL, then loaded again', async (t) => {
  const { state, nowMs } = clock();
  const cache = new ShortLivedCache<number>({ ttlMs: 1000, maxEntries: 10, nowMs });
  let loads = 0;
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const load = async () => {
    loads += 1;
    await gate;
    return { value: loads };
  };
  const waiting = Array.from({ length: 50 }, () => cache.get('k', load));
  release();
  t.same(
    await Promise.all(waiting),
    Array.from({ length: 50 }, () => 1),
  );
  t.equal(loads, 1);
  state.now = 999;
  t.equal(await cache.get('k', load), 1);
  state.now = 1000;
  t.equal(await cache.get('k', load), 2);
  t.equal(loads, 2);
});

t.test('a failed load is not kept: every waiting caller sees the failure, the next caller loads again', async (t) => {
  const { nowMs } = clock();
  const cache = new ShortLivedCache<string>({ ttlMs: 1000, maxEntries: 10, nowMs });
  let attempt = 0;
  const load = async () => {
    attempt += 1;
    if (attempt === 1) throw new Error('MySQL went away');
    return { value: 'ok' };
  };
  const results = await Promise.allSettled([cache.get('k', load), cache.get('k', load)]);
  t.same(
    results.map((result) => result.status),
    ['rejected', 'rejected'],
  );
  t.equal(await cache.get('k', load), 'ok');
  t.equal(attempt, 2);
});

t.test('a value ends at its validUntil when that comes before the TTL', async (t) => {
  const { state, nowMs } = clock();
  const cache = new ShortLivedCache<string>({ ttlMs: 1000, maxEntries: 10, nowMs });
  t.equal(await cache.get('k', async () => ({ value: 'upcoming', validUntilMs: 300 })), 'upcoming');
  state.now = 299;
  t.equal(await cache.get('k', async () => ({ value: 'live' })), 'upcoming');
  state.now = 300;
  t.equal(await cache.get('k', async () => ({ value: 'live' })), 'live');
});

t.test('entries stay within maxEntries: expired ones go first, then the oldest loaded', async (t) => {
  const { state, nowMs } = clock();
  const cache = new ShortLivedCache<string>({ ttlMs: 1000, maxEntries: 3, nowMs });
  await cache.get('old', async () => ({ value: 'old', validUntilMs: 10 }));
  await cache.get('a', async () => ({ value: 'a' }));
  await cache.get('b', async () => ({ value: 'b' }));
  state.now = 20;
  await cache.get('c', async () => ({ value: 'c' }));
  t.equal(cache.size, 3, 'the expired entry made room');
  let reloaded = false;
  await cache.get('d', async () => ({ value: 'd' }));
  t.equal(cache.size, 3);
  await cache.get('a', async () => {
    reloaded = true;
    return { value: 'a2' };
  });
  t.ok(reloaded, 'the oldest loaded entry (a) was dropped for d');
  t.equal(await cache.get('c', async () => ({ value: 'c2' })), 'c', 'a newer one was kept');
});
