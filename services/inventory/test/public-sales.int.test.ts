import { randomUUID } from 'node:crypto';
import { decodeKeysetCursor, encodeKeysetCursor } from '@flash-sale/service-kit';
import { StockReservations } from '@flash-sale/stock-reservations';
import { openApiProblems } from '@flash-sale/testkit';
import { Redis } from 'ioredis';
import type { Pool } from 'mysql2/promise';
import t, { type Test } from 'tap';
import { publicSaleResponse, salePageResponse } from '../src/http/public-sales.schemas.ts';
import type { InventoryAppDeps } from '../src/app.ts';
import { T0, TENANT, createInventoryEnv, inventoryApp, type InventoryEnv } from './fixtures/inventory-env.ts';

const HOUR = 3600_000;
const generous = { perAddress: { max: 1_000_000, windowMs: 60_000 } };

/** The real pool, counting the statements that read sales: the catalog's cache must keep that count down. */
function countingSaleReads(pool: Pool): { pool: Pool; saleReads: () => number } {
  let reads = 0;
  const counted = new Proxy(pool, {
    get(target, property) {
      if (property === 'query') {
        return (sql: unknown, ...rest: unknown[]) => {
          const text = typeof sql === 'string' ? sql : String((sql as { sql?: unknown }).sql);
          if (text.includes('flash_sales')) reads += 1;
          return (target.query as (...args: unknown[]) => unknown)(sql, ...rest);
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
  return { pool: counted, saleReads: () => reads };
}

interface SaleSeed {
  tenantId?: string;
  startsAt: Date;
  endsAt: Date;
  stock?: number;
  arm?: boolean;
  name?: string;
}

/** A SKU and a sale with its allocation, inserted as the admin API would have; armed in Redis unless told not to. */
async function seedSale(env: InventoryEnv, seed: SaleSeed) {
  const tenantId = seed.tenantId ?? TENANT;
  const stock = seed.stock ?? 10;
  const skuId = `sku-${randomUUID().slice(0, 8)}`;
  const saleId = randomUUID();
  await env.pool.query('INSERT INTO skus (tenant_id, id, name, initial_stock, stock, allocated) VALUES (?, ?, ?, ?, ?, ?)', [
    tenantId,
    skuId,
    seed.name ?? 'Limited sneaker',
    stock,
    stock,
    stock,
  ]);
  await env.pool.query(
    `INSERT INTO flash_sales (id, tenant_id, sku_id, stock, allocated, unit_price_minor, currency, starts_at, ends_at, per_user_limit, hold_ttl_seconds, armed_at)
     VALUES (?, ?, ?, ?, ?, 4999, 'EUR', ?, ?, 2, 600, ?)`,
    [saleId, tenantId, skuId, stock, stock, seed.startsAt, seed.endsAt, seed.arm === false ? null : T0],
  );
  if (seed.arm !== false) {
    await env.reservations.arm({
      saleId,
      tenantId,
      skuId,
      stock,
      unitPriceMinor: 4999,
      currency: 'EUR',
      startsAtMs: seed.startsAt.getTime(),
      endsAtMs: seed.endsAt.getTime(),
      perUserLimit: 100,
      holdTtlMs: 600_000,
    });
  }
  return { saleId, skuId };
}

const publicGet = (app: Awaited<ReturnType<typeof inventoryApp>>, url: string, headers: Record<string, string> = { 'x-tenant-id': TENANT }) =>
  app.inject({ method: 'GET', url, headers });

t.test('a sale is readable without an account: name, price, window, status and the stock Redis has', async (t) => {
  const env = await createInventoryEnv(t.teardown.bind(t));
  const app = await inventoryApp(t.teardown.bind(t), env, { rateLimits: generous, now: () => T0 });
  const { saleId, skuId } = await seedSale(env, { startsAt: new Date(T0.getTime() - HOUR), endsAt: new Date(T0.getTime() + HOUR), stock: 10 });
  await env.reservations.reserve({ saleId, tenantId: TENANT, orderId: randomUUID(), userId: 'u1', quantity: 3, nowMs: T0.getTime() });

  const response = await publicGet(app, `/v1/sales/${saleId}`);
  t.equal(response.statusCode, 200, response.body);
  t.same(response.json(), {
    id: saleId,
    name: 'Limited sneaker',
    sku_id: skuId,
    unit_price_minor: 4999,
    currency: 'EUR',
    starts_at: new Date(T0.getTime() - HOUR).toISOString(),
    ends_at: new Date(T0.getTime() + HOUR).toISOString(),
    per_user_limit: 2,
    status: 'live',
    remaining_stock: 7,
  });
  t.ok(publicSaleResponse.safeParse(response.json()).success, 'the body matches the documented schema');
  t.match(response.headers['content-type'], /^application\/json/);
  t.equal(response.headers['cache-control'], 'public, max-age=1');
  t.equal(response.headers.vary, 'X-Tenant-Id');
  t.match(response.headers.etag, /^W\/"[A-Za-z0-9_-]+"$/);
});

t.test("another tenant's sale, an unknown sale and an unknown tenant are 404 in the error shape", async (t) => {
  const env = await createInventoryEnv(t.teardown.bind(t));
  const app = await inventoryApp(t.teardown.bind(t), env, { rateLimits: generous });
  const ours = await seedSale(env, { startsAt: T0, endsAt: new Date(T0.getTime() + HOUR) });
  const theirs = await seedSale(env, { tenantId: 't2', startsAt: T0, endsAt: new Date(T0.getTime() + HOUR) });

  const otherTenants = await publicGet(app, `/v1/sales/${theirs.saleId}`);
  t.equal(otherTenants.statusCode, 404);
  t.same(otherTenants.json(), { error: { code: 'NOT_FOUND', message: 'sale not found', details: { sale_id: theirs.saleId } } });
  const asThem = await publicGet(app, `/v1/sales/${ours.saleId}`, { 'x-tenant-id': 't2' });
  t.equal(asThem.statusCode, 404, 'our sale does not exist for t2 either');
  const unknownSale = await publicGet(app, `/v1/sales/${randomUUID()}`);
  t.equal(unknownSale.statusCode, 404);
  t.equal(unknownSale.json().error.code, 'NOT_FOUND');

  const unknownTenant = await publicGet(app, '/v1/sales', { 'x-tenant-id': 'nobody' });
  t.equal(unknownTenant.statusCode, 404);
  t.same(unknownTenant.json(), { error: { code: 'NOT_FOUND', message: 'tenant not found', details: { tenant_id: 'nobody' } } });
  const theirList = await publicGet(app, '/v1/sales', { 'x-tenant-id': 't2' });
  t.same(
    theirList.json<{ items: { id: string }[] }>().items.map((sale) => sale.id),
    [theirs.saleId],
    "a tenant's list holds only its own sales",
  );
});

t.test('a bad tenant header, sale id, cursor or limit is a 400 in the error shape', async (t) => {
  const env = await createInventoryEnv(t.teardown.bind(t));
  const app = await inventoryApp(t.teardown.bind(t), env, { rateLimits: generous });
  await seedSale(env, { startsAt: T0, endsAt: new Date(T0.getTime() + HOUR) });
  const forged = Buffer.from(JSON.stringify({ offset: 10 })).toString('base64url');
  const cases: Array<[string, Record<string, string>, string]> = [
    ['/v1/sales', {}, 'headers'],
    ['/v1/sales', { 'x-tenant-id': 'has space' }, 'headers'],
    ['/v1/sales', { 'x-tenant-id': 'a'.repeat(65) }, 'headers'],
    ['/v1/sales/not-a-uuid', { 'x-tenant-id': TENANT }, 'params'],
    ['/v1/sales?limit=0', { 'x-tenant-id': TENANT }, 'querystring'],
    ['/v1/sales?limit=101', { 'x-tenant-id': TENANT }, 'querystring'],
    ['/v1/sales?limit=1e1', { 'x-tenant-id': TENANT }, 'querystring'],
    ['/v1/sales?limit=-1', { 'x-tenant-id': TENANT }, 'querystring'],
    ['/v1/sales?limit=', { 'x-tenant-id': TENANT }, 'querystring'],
    ['/v1/sales?cursor=%7B%7D', { 'x-tenant-id': TENANT }, 'querystring'],
    [`/v1/sales?cursor=${forged}`, { 'x-tenant-id': TENANT }, 'querystring'],
    ['/v1/sales?cursor=abc', { 'x-tenant-id': TENANT }, 'querystring'],
    ['/v1/sales?page=2', { 'x-tenant-id': TENANT }, 'querystring'],
  ];
  for (const [url, headers, context] of cases) {
    const response = await publicGet(app, url, headers);
    t.equal(response.statusCode, 400, `${url} ${JSON.stringify(headers)}: ${response.body}`);
    const body = response.json<{ error: { code: string; message: string; details: { context?: string; issues?: unknown[] } } }>();
    t.equal(body.error.code, 'VALIDATION_FAILED', url);
    t.equal(body.error.details.context, context, url);
    t.ok(Array.isArray(body.error.details.issues) && body.error.details.issues.length > 0, `${url} names its issues`);
  }
});

t.test('within the TTL, a stampede of reads of one sale or one page makes one MySQL query, and one more after it', async (t) => {
  const env = await createInventoryEnv(t.teardown.bind(t));
  let now = T0;
  const counted = countingSaleReads(env.pool);
  const app = await inventoryApp(t.teardown.bind(t), env, { mysql: counted.pool, rateLimits: generous, now: () => now });
  const { saleId } = await seedSale(env, { startsAt: new Date(T0.getTime() - HOUR), endsAt: new Date(T0.getTime() + HOUR) });

  const stampede = await Promise.all(Array.from({ length: 200 }, () => publicGet(app, `/v1/sales/${saleId}`)));
  t.same([...new Set(stampede.map((response) => response.statusCode))], [200]);
  t.equal(counted.saleReads(), 1, '200 concurrent cold reads: one query');
  for (let i = 0; i < 50; i += 1) await publicGet(app, `/v1/sales/${saleId}`);
  t.equal(counted.saleReads(), 1, '50 more within the TTL: no query');

  now = new Date(T0.getTime() + 1000);
  await Promise.all(Array.from({ length: 50 }, () => publicGet(app, `/v1/sales/${saleId}`)));
  t.equal(counted.saleReads(), 2, 'once the TTL passed: one more query for all of them');

  const pages = await Promise.all(Array.from({ length: 100 }, () => publicGet(app, '/v1/sales?limit=5')));
  t.same([...new Set(pages.map((response) => response.statusCode))], [200]);
  t.equal(counted.saleReads(), 3, '100 concurrent reads of a page: one query');
});

t.test('If-None-Match with the current ETag is a 304 without a body; a change of stock is a new ETag', async (t) => {
  const env = await createInventoryEnv(t.teardown.bind(t));
  let now = T0;
  const app = await inventoryApp(t.teardown.bind(t), env, { rateLimits: generous, now: () => now });
  const { saleId } = await seedSale(env, { startsAt: new Date(T0.getTime() - HOUR), endsAt: new Date(T0.getTime() + HOUR), stock: 5 });

  for (const url of [`/v1/sales/${saleId}`, '/v1/sales']) {
    const first = await publicGet(app, url);
    const etag = String(first.headers.etag);
    const again = await publicGet(app, url, { 'x-tenant-id': TENANT, 'if-none-match': etag });
    t.equal(again.statusCode, 304, url);
    t.equal(again.body, '', `${url}: no body`);
    t.equal(again.headers.etag, etag);
    t.equal(again.headers['cache-control'], 'public, max-age=1');
    const listed = await publicGet(app, url, { 'x-tenant-id': TENANT, 'if-none-match': `W/"other", ${etag.replace(/^W\//, '')}` });
    t.equal(listed.statusCode, 304, `${url}: one of a list, compared weakly`);
    const stale = await publicGet(app, url, { 'x-tenant-id': TENANT, 'if-none-match': 'W/"other"' });
    t.equal(stale.statusCode, 200, `${url}: another tag gets the body`);
  }

  const before = await publicGet(app, `/v1/sales/${saleId}`);
  await env.reservations.reserve({ saleId, tenantId: TENANT, orderId: randomUUID(), userId: 'u1', quantity: 1, nowMs: T0.getTime() });
  now = new Date(T0.getTime() + 1000);
  const after = await publicGet(app, `/v1/sales/${saleId}`, { 'x-tenant-id': TENANT, 'if-none-match': String(before.headers.etag) });
  t.equal(after.statusCode, 200, 'the old tag no longer matches');
  t.equal(after.json().remaining_stock, 4);
  t.not(after.headers.etag, before.headers.etag);
});

t.test('a sale goes upcoming, live, sold-out, ended, each status on time', async (t) => {
  const env = await createInventoryEnv(t.teardown.bind(t));
  let now = new Date(T0.getTime() - 10_000);
  const app = await inventoryApp(t.teardown.bind(t), env, { rateLimits: generous, now: () => now });
  const { saleId } = await seedSale(env, { startsAt: T0, endsAt: new Date(T0.getTime() + HOUR), stock: 2 });
  const read = async () => (await publicGet(app, `/v1/sales/${saleId}`)).json<{ status: string; remaining_stock: number }>();
  const listed = async () => (await publicGet(app, '/v1/sales')).json<{ items: Array<{ id: string; status: string }> }>().items;

  t.match(await read(), { status: 'upcoming', remaining_stock: 2 });
  t.match(await listed(), [{ id: saleId, status: 'upcoming' }]);
  now = new Date(T0.getTime() - 1);
  t.match(await read(), { status: 'upcoming' }, 'a millisecond before it opens');
  now = T0;
  t.match(await read(), { status: 'live', remaining_stock: 2 }, 'the cached upcoming answer ends when the sale opens, not a TTL later');
  t.match(await listed(), [{ id: saleId, status: 'live' }]);

  await env.reservations.reserve({ saleId, tenantId: TENANT, orderId: randomUUID(), userId: 'u1', quantity: 2, nowMs: T0.getTime() });
  now = new Date(T0.getTime() + 1000);
  t.match(await read(), { status: 'sold-out', remaining_stock: 0 });

  now = new Date(T0.getTime() + HOUR);
  t.match(await read(), { status: 'ended', remaining_stock: 0 }, 'ended when its window is over');
  t.same(await listed(), [], 'an ended sale leaves the list');

  const early = await seedSale(env, { startsAt: new Date(now.getTime() - 1000), endsAt: new Date(now.getTime() + HOUR), stock: 3 });
  await env.pool.query('UPDATE flash_sales SET ended_at = ? WHERE id = ?', [now, early.saleId]);
  t.match((await publicGet(app, `/v1/sales/${early.saleId}`)).json(), { status: 'ended', remaining_stock: 0 }, 'ended by ops before its window is over');
});

t.test("when Redis lacks the sale or does not answer, remaining stock is the books' figure, never a 5xx", async (t) => {
  const env = await createInventoryEnv(t.teardown.bind(t));
  const unarmed = await seedSale(env, { startsAt: new Date(T0.getTime() - HOUR), endsAt: new Date(T0.getTime() + HOUR), stock: 8, arm: false });
  await env.pool.query('UPDATE flash_sales SET allocated = 6 WHERE id = ?', [unarmed.saleId]);
  const app = await inventoryApp(t.teardown.bind(t), env, { rateLimits: generous });
  t.match((await publicGet(app, `/v1/sales/${unarmed.saleId}`)).json(), { status: 'live', remaining_stock: 6 }, 'not armed: the allocation the books keep');

  // A Redis client with nowhere to connect: every stock read fails at once.
  const unreachable = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
  unreachable.on('error', () => undefined);
  t.teardown(() => unreachable.disconnect());
  const armed = await seedSale(env, { startsAt: new Date(T0.getTime() - HOUR), endsAt: new Date(T0.getTime() + HOUR), stock: 4 });
  const redisless = await inventoryApp(t.teardown.bind(t), env, { rateLimits: generous, reservations: new StockReservations(unreachable) });
  const response = await publicGet(redisless, `/v1/sales/${armed.saleId}`);
  t.equal(response.statusCode, 200, response.body);
  t.match(response.json(), { status: 'live', remaining_stock: 4 });
  const page = await publicGet(redisless, '/v1/sales');
  t.equal(page.statusCode, 200, page.body);
});

t.test('pages never skip or repeat a sale, even among sales opening at the same millisecond', async (t) => {
  const env = await createInventoryEnv(t.teardown.bind(t));
  const app = await inventoryApp(t.teardown.bind(t), env, { rateLimits: generous });
  const window = (startOffsetMs: number) => ({ startsAt: new Date(T0.getTime() + startOffsetMs), endsAt: new Date(T0.getTime() + 2 * HOUR), arm: false });
  const seeded: Array<{ saleId: string; startsAtMs: number }> = [];
  for (const offset of [-HOUR, 0, 0, 0, 0, 0, 0, 0, HOUR, HOUR, HOUR]) {
    const { saleId } = await seedSale(env, window(offset));
    seeded.push({ saleId, startsAtMs: T0.getTime() + offset });
  }
  const over = await seedSale(env, { startsAt: new Date(T0.getTime() - 2 * HOUR), endsAt: new Date(T0.getTime() - HOUR), arm: false });
  const expected = [...seeded].sort((a, b) => a.startsAtMs - b.startsAtMs || (a.saleId < b.saleId ? -1 : 1)).map((sale) => sale.saleId);

  for (const limit of [1, 3, 4, 20]) {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await publicGet(app, `/v1/sales?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      t.equal(response.statusCode, 200);
      const page = salePageResponse.parse(response.json());
      t.ok(page.items.length <= limit);
      seen.push(...page.items.map((sale) => sale.id));
      cursor = page.next_cursor;
      pages += 1;
    } while (cursor && pages < 20);
    t.same(seen, expected, `limit ${limit}: every current sale once, soonest opening first, ties by id`);
    t.notOk(seen.includes(over.saleId), 'a sale whose window is over is not listed');
  }
  const cursor = encodeKeysetCursor({ at: T0.getTime(), id: expected[3] ?? '' });
  t.same(decodeKeysetCursor(cursor), { at: T0.getTime(), id: expected[3] });
  const afterThird = (await publicGet(app, `/v1/sales?limit=2&cursor=${cursor}`)).json<{ items: { id: string }[] }>();
  t.same(
    afterThird.items.map((sale) => sale.id),
    expected.slice(4, 6),
    'a cursor continues after its own sale, not after its timestamp',
  );
});

t.test('public reads are charged to the address: past its budget, 429 in the error shape with Retry-After', async (t) => {
  const env = await createInventoryEnv(t.teardown.bind(t));
  const app = await inventoryApp(t.teardown.bind(t), env, { rateLimits: { perAddress: { max: 5, windowMs: 60_000 } } });
  const { saleId } = await seedSale(env, { startsAt: T0, endsAt: new Date(T0.getTime() + HOUR) });
  const statuses: number[] = [];
  let refused: Awaited<ReturnType<typeof publicGet>> | undefined;
  for (let i = 0; i < 7; i += 1) {
    const response = await publicGet(app, i % 2 === 0 ? `/v1/sales/${saleId}` : '/v1/sales');
    statuses.push(response.statusCode);
    if (response.statusCode === 429) refused = response;
  }
  t.same(statuses, [200, 200, 200, 200, 200, 429, 429]);
  t.equal(refused?.json().error.code, 'RATE_LIMITED');
  t.ok(Number(refused?.headers['retry-after']) >= 1);
});

/**
 * The app listening on loopback, with the URLs fastify routed (an early answer, service-kit
 * early-answers.ts, is served before routing and is not among them): the early answer exists only
 * on a real HTTP server, never under `inject`.
 */
async function listeningApp(t: Test, env: InventoryEnv, overrides: Partial<InventoryAppDeps>) {
  const routed: string[] = [];
  const app = await inventoryApp(t.teardown.bind(t), env, overrides, (app) =>
    app.addHook('onRequest', (request, _reply, done) => {
      routed.push(`${request.method} ${request.url}`);
      done();
    }),
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening on a port');
  const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    fetch(`http://127.0.0.1:${address.port}${path}`, { method, headers: { 'x-tenant-id': TENANT, ...headers } });
  return { routed, get };
}

/** Status, body and headers, without the ones that differ by the moment (the date, the budget's countdown). */
async function answerOf(response: Response) {
  const headers = Object.fromEntries([...response.headers].filter(([name]) => !['date', 'x-ratelimit-remaining', 'x-ratelimit-reset'].includes(name)));
  return { status: response.status, body: await response.text(), headers };
}

t.test('over HTTP, a cached sale is answered before routing with exactly the answer the route gives', async (t) => {
  const env = await createInventoryEnv(t.teardown.bind(t));
  let now = T0;
  const { routed, get } = await listeningApp(t, env, { rateLimits: generous, now: () => now });
  const { saleId } = await seedSale(env, { startsAt: new Date(T0.getTime() - HOUR), endsAt: new Date(T0.getTime() + HOUR), stock: 5 });
  const path = `/v1/sales/${saleId}`;

  const fromRoute = await answerOf(await get(path));
  const early = await answerOf(await get(path));
  t.equal(fromRoute.status, 200);
  t.same(early, fromRoute, 'the same status, body and headers (content type and length, caching, budget limit)');
  t.ok(publicSaleResponse.safeParse(JSON.parse(early.body)).success, 'the early body matches the documented schema');
  t.same(routed, [`GET ${path}`], 'the miss was routed, the hit answered early');

  const etag = String(fromRoute.headers.etag);
  const early304 = await answerOf(await get(path, { 'if-none-match': etag }));
  now = new Date(T0.getTime() + 1000);
  const routed304 = await answerOf(await get(path, { 'if-none-match': etag }));
  t.equal(routed304.status, 304);
  t.same(early304, routed304, 'a 304 alike, without a body');
  t.equal(routed.length, 2, 'the expired entry was reloaded by the route');
});

t.test('what the early answer cannot give exactly, the route answers: misses, refusals, other methods and shapes', async (t) => {
  const env = await createInventoryEnv(t.teardown.bind(t));
  const { routed, get } = await listeningApp(t, env, { rateLimits: generous });
  const { saleId } = await seedSale(env, { startsAt: T0, endsAt: new Date(T0.getTime() + HOUR) });
  const unknown = randomUUID();
  t.equal((await get(`/v1/sales/${saleId}`)).status, 200, 'cached now');
  routed.length = 0;

  const cases: Array<{ what: string; path: string; headers?: Record<string, string>; method?: string; status: number }> = [
    { what: 'an unknown sale, twice (cached as unknown)', path: `/v1/sales/${unknown}`, status: 404 },
    { what: 'the unknown sale again', path: `/v1/sales/${unknown}`, status: 404 },
    { what: "another tenant's sale", path: `/v1/sales/${saleId}`, headers: { 'x-tenant-id': 't2' }, status: 404 },
    { what: 'a malformed tenant', path: `/v1/sales/${saleId}`, headers: { 'x-tenant-id': 'not a tenant' }, status: 400 },
    { what: 'a malformed id', path: '/v1/sales/not-a-uuid', status: 400 },
    { what: 'a query string', path: `/v1/sales/${saleId}?fields=all`, status: 200 },
    { what: 'a trailing slash', path: `/v1/sales/${saleId}/`, status: 404 },
    { what: 'HEAD', path: `/v1/sales/${saleId}`, method: 'HEAD', status: 200 },
  ];
  for (const { what, path, headers, method, status } of cases) {
    const response = await get(path, headers, method);
    await response.arrayBuffer();
    t.equal(response.status, status, what);
    t.equal(routed.at(-1), `${method ?? 'GET'} ${path}`, `${what}: routed`);
    if (status >= 400 && method !== 'HEAD') t.ok(response.headers.get('content-type')?.startsWith('application/json'), `${what}: the error shape`);
  }
  t.equal(routed.length, cases.length);
});

t.test('over HTTP the budget is charged once per read, whether the route or the early answer serves it', async (t) => {
  const env = await createInventoryEnv(t.teardown.bind(t));
  const { routed, get } = await listeningApp(t, env, { rateLimits: { perAddress: { max: 10, windowMs: 60_000 } } });
  const { saleId } = await seedSale(env, { startsAt: T0, endsAt: new Date(T0.getTime() + HOUR) });
  const statuses: number[] = [];
  const remaining: string[] = [];
  for (let i = 0; i < 12; i += 1) {
    const response = await get(`/v1/sales/${saleId}`);
    statuses.push(response.status);
    remaining.push(String(response.headers.get('x-ratelimit-remaining')));
    const body = await response.text();
    if (response.status === 429) t.equal((JSON.parse(body) as { error: { code: string } }).error.code, 'RATE_LIMITED');
  }
  t.same(statuses, [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 429, 429]);
  t.same(remaining, ['9', '8', '7', '6', '5', '4', '3', '2', '1', '0', '0', '0'], 'one unit per read, in order');
  // The first read loads the cache; the next four are within this process's share of the budget;
  // past it Redis decides, which only the route's hook waits for.
  t.equal(12 - routed.length, 4, 'four reads were answered early');
});

t.test("the public sale routes describe every answer in the service's OpenAPI document", async (t) => {
  const env = await createInventoryEnv(t.teardown.bind(t));
  const app = await inventoryApp(t.teardown.bind(t), env, { rateLimits: generous });
  const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json<
    Record<string, unknown> & { paths: Record<string, { get?: { responses: Record<string, unknown>; parameters: Array<{ name: string; in: string }> } }> }
  >();
  t.same(await openApiProblems(document), []);
  for (const path of ['/v1/sales', '/v1/sales/{id}']) {
    const operation = document.paths[path]?.get;
    t.same(Object.keys(operation?.responses ?? {}).sort(), ['200', '304', '400', '404', '429', '4XX', '5XX'], path);
    t.ok(
      operation?.parameters.some((parameter) => parameter.in === 'header' && parameter.name === 'x-tenant-id'),
      `${path}: the tenant header is documented`,
    );
    t.notOk(JSON.stringify(operation).includes('"security"'), `${path}: no bearer token asked for`);
  }
});
