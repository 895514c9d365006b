import { createMysqlPool } from '@flash-sale/service-kit';
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { orderHarness, placeOrderRequest } from './support/order-harness.ts';

const count = async (pool: { query: (sql: string) => Promise<unknown> }, sql: string) => {
  const [rows] = (await pool.query(sql)) as [Array<{ n: number | string }>];
  return Number(rows[0]?.n);
};

t.test('2,000 concurrent buyers for 100 units: exactly 100 orders, stock never negative', async (t) => {
  const h = await orderHarness(t);
  const saleId = await h.armSale({ stock: 100, perUserLimit: 1 });
  let minAvailable = Number.POSITIVE_INFINITY;
  const sampler = setInterval(() => {
    void h.reservations.view(saleId).then((view) => {
      if (view) minAvailable = Math.min(minAvailable, view.available);
    });
  }, 5);
  const responses = await Promise.all(
    Array.from({ length: 2000 }, () => h.app.inject(placeOrderRequest(h.token(), randomUUID(), { sale_id: saleId, quantity: 1 }))),
  );
  clearInterval(sampler);
  const byStatus = new Map<number, number>();
  for (const response of responses) byStatus.set(response.statusCode, (byStatus.get(response.statusCode) ?? 0) + 1);
  t.equal(byStatus.get(201), 100, 'exactly 100 accepted');
  t.equal(byStatus.get(409), 1900, 'the rest refused as sold out');
  t.ok(responses.filter((r) => r.statusCode === 409).every((r) => r.json().error.code === 'SALE_SOLD_OUT'));
  t.equal(await count(h.db.pool, 'SELECT COUNT(*) AS n FROM orders'), 100);
  t.equal(await count(h.db.pool, "SELECT COUNT(*) AS n FROM outbox WHERE event_type = 'order.created.v1'"), 100);
  t.equal(await count(h.db.pool, 'SELECT COUNT(*) AS n FROM order_status_history'), 100);
  const view = await h.reservations.view(saleId);
  t.same(view && { available: view.available, held: view.held }, { available: 0, held: 100 });
  t.ok(minAvailable >= 0, `available never went below zero (min ${minAvailable})`);
});

t.test('one user, 50 parallel orders, limit 2: at most 2 accepted', async (t) => {
  const h = await orderHarness(t);
  const saleId = await h.armSale({ stock: 100, perUserLimit: 2 });
  const token = h.token({ userId: 'greedy' });
  const responses = await Promise.all(Array.from({ length: 50 }, () => h.app.inject(placeOrderRequest(token, randomUUID(), { sale_id: saleId, quantity: 1 }))));
  const accepted = responses.filter((r) => r.statusCode === 201).length;
  t.equal(accepted, 2);
  t.ok(responses.filter((r) => r.statusCode !== 201).every((r) => r.json().error.code === 'PER_USER_LIMIT'));
  t.equal(await count(h.db.pool, "SELECT COUNT(*) AS n FROM orders WHERE user_id = 'greedy'"), 2);
});

t.test('a body that sets price, status or user, or has a bad shape, is refused with 400 and changes nothing', async (t) => {
  const h = await orderHarness(t);
  const saleId = await h.armSale();
  const token = h.token();
  for (const body of [
    { sale_id: saleId, quantity: 1, unit_price_minor: 1 },
    { sale_id: saleId, quantity: 1, status: 'PAID' },
    { sale_id: saleId, quantity: 1, user_id: 'someone-else' },
    { sale_id: saleId, quantity: 0 },
    { sale_id: saleId, quantity: 1.5 },
    { quantity: 1 },
  ]) {
    const response = await h.app.inject(placeOrderRequest(token, randomUUID(), body));
    t.equal(response.statusCode, 400, JSON.stringify(body));
    t.equal(response.json().error.code, 'VALIDATION_FAILED');
  }
  t.equal(await count(h.db.pool, 'SELECT COUNT(*) AS n FROM orders'), 0);
  t.equal((await h.reservations.view(saleId))?.available, 100);
});

t.test('refusals carry stable codes: unknown sale, not open yet, ended, unauthenticated', async (t) => {
  const h = await orderHarness(t);
  const nowMs = h.clock.now.getTime();
  const future = await h.armSale({ startsAtMs: nowMs + 60_000, endsAtMs: nowMs + 120_000 });
  const past = await h.armSale({ startsAtMs: nowMs - 120_000, endsAtMs: nowMs - 60_000 });
  const token = h.token();
  const codeOf = async (body: unknown) => (await h.app.inject(placeOrderRequest(token, randomUUID(), body))).json().error.code;
  t.equal(await codeOf({ sale_id: randomUUID(), quantity: 1 }), 'SALE_NOT_FOUND');
  t.equal(await codeOf({ sale_id: future, quantity: 1 }), 'SALE_NOT_OPEN');
  t.equal(await codeOf({ sale_id: past, quantity: 1 }), 'SALE_ENDED');
  const anonymous = await h.app.inject({ method: 'POST', url: '/v1/orders', headers: { 'idempotency-key': 'k' }, payload: { sale_id: future, quantity: 1 } });
  t.equal(anonymous.statusCode, 401);
  t.equal(anonymous.json().error.code, 'UNAUTHORIZED');
});

t.test('rate limited callers get 429 in the error contract', async (t) => {
  const h = await orderHarness(t, { rateLimits: { perPrincipal: { max: 3, windowMs: 60_000 } } });
  const token = h.token();
  const statuses: number[] = [];
  for (let i = 0; i < 5; i += 1) {
    const response = await h.app.inject({ method: 'GET', url: `/v1/orders/${randomUUID()}`, headers: { authorization: `Bearer ${token}` } });
    statuses.push(response.statusCode);
    if (response.statusCode === 429) t.equal(response.json().error.code, 'RATE_LIMITED');
  }
  t.same(statuses, [404, 404, 404, 429, 429]);
});

t.test('MySQL unreachable in the middle of a request: 503, hold released, nothing half-written', async (t) => {
  const h = await orderHarness(t);
  const saleId = await h.armSale({ stock: 10 });
  const unreachable = createMysqlPool('mysql://nobody:nothing@127.0.0.1:1/none', { connectionLimit: 1, multipleStatements: true });
  t.teardown(() => unreachable.end());
  const broken = await h.rebuild({ mysqlBatch: unreachable });
  const token = h.token({ userId: 'unlucky' });
  const key = randomUUID();
  const failed = await broken.inject(placeOrderRequest(token, key, { sale_id: saleId, quantity: 2 }));
  t.equal(failed.statusCode, 503);
  t.equal(failed.json().error.code, 'SERVICE_UNAVAILABLE');
  const view = await h.reservations.view(saleId);
  t.same(view && { available: view.available, held: view.held }, { available: 10, held: 0 }, 'hold released');
  t.equal(await count(h.db.pool, 'SELECT COUNT(*) AS n FROM orders'), 0);
  t.equal(await count(h.db.pool, 'SELECT COUNT(*) AS n FROM outbox'), 0);

  const retried = await h.app.inject(placeOrderRequest(token, key, { sale_id: saleId, quantity: 2 }));
  t.equal(retried.statusCode, 201, 'a retry after the failed attempt succeeds');
  t.equal((await h.reservations.view(saleId))?.available, 8);
});
