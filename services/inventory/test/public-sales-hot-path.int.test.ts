// The cached public read skips per-request work (zod parse, a promise for the budget) and keeps every promise of the route.
import { randomUUID } from 'node:crypto';
import { RateLimiter } from '@flash-sale/service-kit';
import { createTestRedis } from '@flash-sale/testkit';
import t from 'tap';
import { acceptsSaleIdParams, acceptsTenantHeaders, saleIdParams, tenantHeaders } from '../src/http/public-sales.schemas.ts';
import { T0, TENANT, createInventoryEnv, inventoryApp } from './fixtures/inventory-env.ts';

const HOUR = 3600_000;

t.test('the tenant-header and sale-id predicates accept nothing their zod schemas refuse, and every usual request', async (t) => {
  const headerCases: unknown[] = [
    { 'x-tenant-id': 't1' },
    { 'x-tenant-id': 't1', 'if-none-match': 'W/"abc"', host: 'localhost', accept: '*/*' },
    { 'x-tenant-id': 'a'.repeat(64) },
    { 'x-tenant-id': 'a'.repeat(65) },
    { 'x-tenant-id': '' },
    { 'x-tenant-id': 'has space' },
    { 'x-tenant-id': 't1, t2' },
    { 'x-tenant-id': 't1\n' },
    { 'x-tenant-id': 'tënant' },
    { 'x-tenant-id': ['t1'] },
    { 'x-tenant-id': 7 },
    { 'x-tenant-id': 't1', 'if-none-match': 'x'.repeat(1024) },
    { 'x-tenant-id': 't1', 'if-none-match': 'x'.repeat(1025) },
    { 'x-tenant-id': 't1', 'if-none-match': ['W/"a"'] },
    {},
    null,
  ];
  const idCases: unknown[] = [
    { id: randomUUID() },
    { id: randomUUID().toUpperCase() },
    { id: '00000000-0000-0000-0000-000000000000' },
    { id: 'ffffffff-ffff-ffff-ffff-ffffffffffff' },
    { id: '0190b6a2-7c1e-7c3a-8f00-1234567890ab' },
    { id: '0190b6a2-7c1e-9c3a-8f00-1234567890ab' },
    { id: '0190b6a2-7c1e-4c3a-cf00-1234567890ab' },
    { id: `${randomUUID()}x` },
    { id: ` ${randomUUID()}` },
    { id: 'not-a-uuid' },
    { id: '' },
    {},
    null,
  ];
  for (const [accepts, schema, cases] of [
    [acceptsTenantHeaders, tenantHeaders, headerCases],
    [acceptsSaleIdParams, saleIdParams, idCases],
  ] as const) {
    for (const value of cases) {
      const zodAccepts = schema.safeParse(value).success;
      t.equal(accepts(value), zodAccepts, `${JSON.stringify(value)}: zod ${zodAccepts ? 'accepts' : 'refuses'}`);
    }
  }
});

t.test("public reads decided on the process's own count and those Redis decides carry the same budget headers, and the budget is exact", async (t) => {
  const env = await createInventoryEnv(t.teardown.bind(t));
  const app = await inventoryApp(t.teardown.bind(t), env, { rateLimits: { perAddress: { max: 6, windowMs: 60_000 } } });
  const saleId = randomUUID();
  const seen: Array<[number, string | undefined, string | undefined]> = [];
  for (let i = 0; i < 8; i += 1) {
    const response = await app.inject({ method: 'GET', url: `/v1/sales/${saleId}`, headers: { 'x-tenant-id': TENANT } });
    seen.push([
      response.statusCode,
      response.headers['x-ratelimit-limit'] as string | undefined,
      response.headers['x-ratelimit-remaining'] as string | undefined,
    ]);
  }
  // The first three within the local share (half the budget), the rest asked of Redis; an unknown sale is a 404, and counted.
  t.same(seen, [
    [404, '6', '5'],
    [404, '6', '4'],
    [404, '6', '3'],
    [404, '6', '2'],
    [404, '6', '1'],
    [404, '6', '0'],
    [429, '6', '0'],
    [429, '6', '0'],
  ]);
});

t.test('a cached public read keeps its contract: 200 with ETag, Cache-Control and Vary, 304 on a match, 400 and 404 in the error shape', async (t) => {
  const env = await createInventoryEnv(t.teardown.bind(t));
  const app = await inventoryApp(t.teardown.bind(t), env, { rateLimits: { perAddress: { max: 1_000_000, windowMs: 60_000 } } });
  const skuId = `sku-${randomUUID().slice(0, 8)}`;
  const saleId = randomUUID();
  await env.pool.query('INSERT INTO skus (tenant_id, id, name, initial_stock, stock, allocated) VALUES (?, ?, ?, 5, 5, 5)', [TENANT, skuId, 'Limited sneaker']);
  await env.pool.query(
    `INSERT INTO flash_sales (id, tenant_id, sku_id, stock, allocated, unit_price_minor, currency, starts_at, ends_at, per_user_limit, hold_ttl_seconds, armed_at)
     VALUES (?, ?, ?, 5, 5, 4999, 'EUR', ?, ?, 2, 600, NULL)`,
    [saleId, TENANT, skuId, new Date(T0.getTime() - HOUR), new Date(T0.getTime() + HOUR)],
  );
  const read = (headers: Record<string, string>, id: string = saleId) => app.inject({ method: 'GET', url: `/v1/sales/${id}`, headers });
  const first = await read({ 'x-tenant-id': TENANT });
  t.equal(first.statusCode, 200);
  t.match(first.json(), { id: saleId, status: 'live', remaining_stock: 5 });
  t.match(first.headers, { 'cache-control': 'public, max-age=1', vary: 'X-Tenant-Id', etag: /^W\/"/ });
  const again = await read({ 'x-tenant-id': TENANT, 'if-none-match': String(first.headers.etag) });
  t.equal(again.statusCode, 304);
  t.equal(again.body, '');
  const badTenant = await read({ 'x-tenant-id': 'has space' });
  t.match(badTenant.json(), { error: { code: 'VALIDATION_FAILED', details: { context: 'headers', issues: [{ path: '/x-tenant-id' }] } } });
  const badId = await read({ 'x-tenant-id': TENANT }, 'not-a-uuid');
  t.match(badId.json(), { error: { code: 'VALIDATION_FAILED', details: { context: 'params', issues: [{ path: '/id' }] } } });
  const otherTenant = await read({ 'x-tenant-id': 't2' });
  t.equal(otherTenant.statusCode, 404);
  t.equal(otherTenant.json().error.code, 'NOT_FOUND');
});

t.test("an address's budget: each bucket counts apart, a window that ended starts anew, and the requests reach Redis under the address's key", async (t) => {
  const { redis, prefix } = await createTestRedis(t.teardown.bind(t));
  let now = T0.getTime();
  const limiter = new RateLimiter({ redis, service: 'inventory', keyPrefix: prefix, nowMs: () => now, flushMs: 1 });
  t.teardown(() => limiter.close());
  const budget = { max: 4, windowMs: 1000 };
  const take = async (bucket: string, address: string) => (await limiter.take(bucket, address, budget)).allowed;
  const spend = async (bucket: string, address: string) => {
    const allowed: boolean[] = [];
    for (let i = 0; i < 5; i += 1) allowed.push(await take(bucket, address));
    return allowed;
  };
  t.same(await spend('public-read', '10.0.0.1'), [true, true, true, true, false]);
  t.same(await spend('address', '10.0.0.1'), [true, true, true, true, false], 'another bucket of the same address has its own count');
  t.same(await spend('public-read', '10.0.0.2'), [true, true, true, true, false], 'another address has its own count');
  t.equal(limiter.takeLocally('public-read', '10.0.0.1', budget)?.allowed, false, 'spent: decided without Redis');
  now += 1000;
  t.equal(await take('public-read', '10.0.0.1'), true, 'the next window admits again');
  await limiter.close();
  // Redis's window is still its real-time one (the clock here is a test's): it holds every request sent.
  const counted = await redis.get(`${prefix}rate:inventory:public-read:10.0.0.1`);
  t.equal(Number(counted), 5, "the address's requests reached Redis under its key");
});
