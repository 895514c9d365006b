import { randomUUID } from 'node:crypto';
import { openApiProblems } from '@flash-sale/testkit';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import t from 'tap';
import { ORDER_STATUSES, type OrderStatus } from '../src/domain/order-status.ts';
import { myOrdersResponse } from '../src/http/my-orders.routes.ts';
import { fromEpochMicros, ownerOrdersParams, ownerOrdersSql, toEpochMicros } from '../src/infra/owner-orders.repository.ts';
import { orderHarness, placeOrderRequest, type OrderHarness } from './support/order-harness.ts';

interface Seeded {
  id: string;
  createdAt: string;
  status: OrderStatus;
}

/** Orders written as the group-commit writer writes them, with the times and statuses a test needs. */
async function seedOrders(
  pool: Pool,
  owner: { tenantId: string; userId: string },
  orders: Array<{ createdAt: string; status?: OrderStatus }>,
): Promise<Seeded[]> {
  const seeded: Seeded[] = [];
  for (const order of orders) {
    const id = randomUUID();
    const status = order.status ?? 'PENDING';
    await pool.query(
      `INSERT INTO orders (id, tenant_id, user_id, sale_id, sku_id, quantity, unit_price_minor, total_minor, currency, status, expires_at, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'sku-1', 1, 1000, 1000, 'EUR', ?, ?, ?, ?)`,
      [id, owner.tenantId, owner.userId, randomUUID(), status, order.createdAt, order.createdAt, order.createdAt],
    );
    seeded.push({ id, createdAt: order.createdAt, status });
  }
  return seeded;
}

/** Newest first, then the greater id first: the order the API promises. */
const newestFirst = (orders: Seeded[]) =>
  [...orders].sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1)).map((order) => order.id);

async function listAll(h: OrderHarness, token: string, query: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const response = await h.app.inject({
      method: 'GET',
      url: `/v1/orders?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`,
      headers: { authorization: `Bearer ${token}` },
    });
    if (response.statusCode !== 200) throw new Error(`page ${pages + 1}: ${response.statusCode} ${response.body}`);
    const page = myOrdersResponse.parse(response.json());
    if (page.items.length > limit) throw new Error(`a page of ${page.items.length} for limit ${limit}`);
    ids.push(...page.items.map((order) => order.id));
    cursor = page.next_cursor;
    pages += 1;
  } while (cursor && pages < 200);
  return { ids, pages };
}

const get = (h: OrderHarness, url: string, token?: string) =>
  h.app.inject({ method: 'GET', url, ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) });

t.test('a shopper lists only their own orders, newest first; another user, another tenant and an ops caller see only theirs', async (t) => {
  const h = await orderHarness(t);
  const saleId = await h.armSale();
  const owner = h.token({ userId: 'owner' });
  const placed = await h.app.inject(placeOrderRequest(owner, randomUUID(), { sale_id: saleId, quantity: 1 }));
  t.equal(placed.statusCode, 201, placed.body);
  const older = await seedOrders(h.db.pool, { tenantId: 't1', userId: 'owner' }, [{ createdAt: '2020-01-01 10:00:00.000001', status: 'CONFIRMED' }]);
  await seedOrders(h.db.pool, { tenantId: 't1', userId: 'stranger' }, [{ createdAt: '2020-01-01 10:00:00.000002' }]);
  await seedOrders(h.db.pool, { tenantId: 't2', userId: 'owner' }, [{ createdAt: '2020-01-01 10:00:00.000003' }]);
  const opsOwn = await seedOrders(h.db.pool, { tenantId: 't1', userId: 'ops-1' }, [{ createdAt: '2020-01-01 10:00:00.000004' }]);

  const mine = await get(h, '/v1/orders', owner);
  t.equal(mine.statusCode, 200, mine.body);
  const body = myOrdersResponse.parse(mine.json());
  t.same(
    body.items.map((order) => order.id),
    [placed.json().id, older[0]?.id],
    "the placed order first, then the older one; nobody else's",
  );
  t.same(body.items[0], placed.json(), 'each item is the order resource GET /v1/orders/:id starts with');
  t.equal(body.next_cursor, null);

  const strangerIds = (await get(h, '/v1/orders', h.token({ userId: 'stranger' }))).json<{ items: { id: string }[] }>().items;
  t.equal(strangerIds.length, 1);
  t.notOk(strangerIds.some((order) => order.id === placed.json().id));
  t.equal(
    (await get(h, '/v1/orders', h.token({ userId: 'owner', tenantId: 't2' }))).json<{ items: unknown[] }>().items.length,
    1,
    'the same user id in another tenant is another shopper',
  );
  const ops = await get(h, '/v1/orders', h.token({ userId: 'ops-1', roles: ['ops'] }));
  t.equal(ops.statusCode, 200);
  t.same(
    ops.json<{ items: { id: string }[] }>().items.map((order) => order.id),
    [opsOwn[0]?.id],
    "ops list their own orders, not the tenant's",
  );
  t.same((await get(h, '/v1/orders', h.token({ userId: 'nobody' }))).json(), { items: [], next_cursor: null });
});

t.test('pages never skip or repeat an order, among orders placed in the same microsecond and while new ones arrive', async (t) => {
  const h = await orderHarness(t);
  const owner = { tenantId: 't1', userId: 'pager' };
  const token = h.token(owner);
  const orders = await seedOrders(h.db.pool, owner, [
    ...Array.from({ length: 9 }, () => ({ createdAt: '2026-05-01 12:00:00.123456' })),
    { createdAt: '2026-05-01 12:00:00.123457' },
    { createdAt: '2026-05-01 12:00:00.123455' },
    ...Array.from({ length: 4 }, () => ({ createdAt: '2026-05-01 12:00:00.123000' })),
    { createdAt: '2026-05-01 12:00:01.000000' },
  ]);
  const expected = newestFirst(orders);
  for (const limit of [1, 2, 4, 7, 100]) {
    const { ids, pages } = await listAll(h, token, '', limit);
    t.same(ids, expected, `limit ${limit}: every order once, newest first, ties by id`);
    t.equal(pages, Math.max(1, Math.ceil(expected.length / limit)));
  }

  const first = myOrdersResponse.parse((await get(h, '/v1/orders?limit=5', token)).json());
  await seedOrders(h.db.pool, owner, [{ createdAt: '2026-05-01 12:00:02.000000' }, { createdAt: '2026-05-01 12:00:00.123456' }]);
  const walked: string[] = first.items.map((order) => order.id);
  let cursor = first.next_cursor;
  while (cursor) {
    const page = myOrdersResponse.parse((await get(h, `/v1/orders?limit=5&cursor=${cursor}`, token)).json());
    walked.push(...page.items.map((order) => order.id));
    cursor = page.next_cursor;
  }
  t.equal(new Set(walked).size, walked.length, 'no order twice after new orders arrived mid-walk');
  t.same(
    walked.filter((id) => expected.includes(id)),
    expected,
    'and none of the orders present at the start skipped',
  );
});

t.test('status keeps one status, page after page', async (t) => {
  const h = await orderHarness(t);
  const owner = { tenantId: 't1', userId: 'filter' };
  const statuses: OrderStatus[] = ['PENDING', 'PAID', 'CONFIRMED', 'CANCELLED', 'CONFIRMED', 'EXPIRED', 'CONFIRMED', 'PENDING', 'CONFIRMED'];
  const orders = await seedOrders(
    h.db.pool,
    owner,
    statuses.map((status, i) => ({ createdAt: `2026-05-01 12:00:0${i % 3}.000000`, status })),
  );
  const token = h.token(owner);
  for (const status of ['CONFIRMED', 'PENDING', 'REFUNDED'] as const) {
    const { ids } = await listAll(h, token, `&status=${status}`, 2);
    t.same(ids, newestFirst(orders.filter((order) => order.status === status)), status);
  }
});

t.test('a bad status, limit or cursor is a 400 in the error shape; no token is a 401', async (t) => {
  const h = await orderHarness(t);
  const token = h.token({ userId: 'someone' });
  const forged = Buffer.from(JSON.stringify([-1, 'x'])).toString('base64url');
  for (const query of [
    'status=paid',
    'status=SHIPPED,PAID',
    'limit=0',
    'limit=101',
    'limit=abc',
    'limit=2.5',
    'cursor=not-json',
    `cursor=${forged}`,
    'offset=10',
  ]) {
    const response = await get(h, `/v1/orders?${query}`, token);
    t.equal(response.statusCode, 400, `${query}: ${response.body}`);
    const error = response.json<{ error: { code: string; message: string; details: { context?: string } } }>().error;
    t.equal(error.code, 'VALIDATION_FAILED', query);
    t.equal(error.details.context, 'querystring', query);
  }
  const anonymous = await get(h, '/v1/orders');
  t.equal(anonymous.statusCode, 401);
  t.equal(anonymous.json().error.code, 'UNAUTHORIZED');
  const service = await get(h, '/v1/orders', h.token({ userId: 'service:payment', roles: ['service'] }));
  t.equal(service.statusCode, 403, 'another service has no orders of its own to list');
});

t.test('the owner listing reads ix_orders_owner in order, with no sort, with and without status and cursor', async (t) => {
  const h = await orderHarness(t);
  for (let user = 0; user < 20; user += 1) {
    await seedOrders(
      h.db.pool,
      { tenantId: 't1', userId: `u${user}` },
      Array.from({ length: 10 }, (_, i) => ({ createdAt: `2026-05-01 12:00:${String(i).padStart(2, '0')}.000000`, status: ORDER_STATUSES[i % 4] })),
    );
  }
  await h.db.pool.query('ANALYZE TABLE orders');
  const before = { at: toEpochMicros('2026-05-01 12:00:05.000000'), id: randomUUID() };
  for (const query of [{}, { status: 'PAID' as const }, { before }, { status: 'PAID' as const, before }]) {
    const full = { tenantId: 't1', userId: 'u3', limit: 5, ...query };
    const [plan] = await h.db.pool.query<RowDataPacket[]>(`EXPLAIN ${ownerOrdersSql(full)}`, ownerOrdersParams(full));
    t.equal(plan[0]?.key, 'ix_orders_owner', JSON.stringify(query));
    t.notMatch(String(plan[0]?.Extra), /filesort/, `${JSON.stringify(query)}: ${String(plan[0]?.Extra)}`);
  }
});

t.test('cursor times round-trip at microsecond precision', async (t) => {
  for (const datetime of ['2026-05-01 12:00:00.000000', '2026-05-01 12:00:00.123456', '1999-12-31 23:59:59.999999']) {
    t.equal(fromEpochMicros(toEpochMicros(datetime)), datetime);
  }
});

t.test('GET /v1/orders is in the OpenAPI document, valid, with its query and refusals', async (t) => {
  const h = await orderHarness(t);
  const document = (await get(h, '/docs/json')).json<
    Record<string, unknown> & { paths: Record<string, { get?: { parameters?: Array<{ name: string }>; responses: Record<string, unknown> } }> }
  >();
  t.same(await openApiProblems(document), []);
  const operation = document.paths['/v1/orders']?.get;
  t.same(operation?.parameters?.map((parameter) => parameter.name).sort(), ['cursor', 'limit', 'status']);
  t.ok(operation?.responses['400'] && operation.responses['401'] && operation.responses['429']);
});
