import { signToken } from '@flash-sale/service-kit';
import t from 'tap';
import { T0, TENANT, createInventoryEnv, inventoryApp } from './fixtures/inventory-env.ts';

t.test('inventory admin API', async (t) => {
  const env = await createInventoryEnv(t.teardown.bind(t));
  let now = new Date(T0.getTime() - 3600_000);
  const app = await inventoryApp(t.teardown.bind(t), env, { now: () => now });
  const ops = `Bearer ${signToken(app, { userId: 'ops-1', tenantId: TENANT, roles: ['ops'] })}`;
  const otherTenantOps = `Bearer ${signToken(app, { userId: 'ops-2', tenantId: 't2', roles: ['ops'] })}`;
  const shopper = `Bearer ${signToken(app, { userId: 'u1', tenantId: TENANT, roles: ['shopper'] })}`;
  const call = (method: 'GET' | 'POST', url: string, authorization: string | undefined, payload?: object) =>
    app.inject({ method, url, ...(authorization ? { headers: { authorization } } : {}), ...(payload ? { payload } : {}) });

  const saleBody = {
    sku_id: 'sku-42',
    stock: 100,
    unit_price_minor: 4999,
    currency: 'EUR',
    starts_at: T0.toISOString(),
    ends_at: new Date(T0.getTime() + 3600_000).toISOString(),
    per_user_limit: 2,
    hold_ttl_seconds: 600,
  };

  t.test('ops only: no token 401, shopper 403, in the error contract', async (t) => {
    const anonymous = await call('POST', '/v1/admin/skus', undefined, { id: 'sku-x', name: 'X', stock: 1 });
    t.equal(anonymous.statusCode, 401);
    t.equal(anonymous.json().error.code, 'UNAUTHORIZED');
    for (const [method, url] of [
      ['POST', '/v1/admin/skus'],
      ['POST', '/v1/admin/sales'],
      ['POST', '/v1/admin/sales/00000000-0000-4000-8000-000000000000/arm'],
      ['GET', '/v1/admin/sales/00000000-0000-4000-8000-000000000000/stock'],
    ] as const) {
      const refused = await call(method, url, shopper, method === 'POST' ? { id: 'sku-x', name: 'X', stock: 1 } : undefined);
      t.equal(refused.statusCode, 403, `${method} ${url}`);
      t.same(refused.json(), { error: { code: 'FORBIDDEN', message: 'requires the ops role', details: {} } });
    }
  });

  t.test('bodies are validated strictly', async (t) => {
    const cases: [string, object, string][] = [
      ['/v1/admin/skus', { id: 'sku-1', name: 'A', stock: -1 }, '/stock'],
      ['/v1/admin/skus', { id: 'has space', name: 'A', stock: 1 }, '/id'],
      ['/v1/admin/skus', { id: 'sku-1', name: 'A', stock: 1, price: 5 }, '/'],
      ['/v1/admin/sales', { ...saleBody, currency: 'eur' }, '/currency'],
      ['/v1/admin/sales', { ...saleBody, ends_at: saleBody.starts_at }, '/ends_at'],
      ['/v1/admin/sales', { ...saleBody, per_user_limit: 0 }, '/per_user_limit'],
      ['/v1/admin/sales', { ...saleBody, stock: 1.5 }, '/stock'],
      ['/v1/admin/sales', { ...saleBody, status: 'armed' }, '/'],
    ];
    for (const [url, body, path] of cases) {
      const response = await call('POST', url, ops, body);
      t.equal(response.statusCode, 400, JSON.stringify(body));
      const error = response.json<{ error: { code: string; details: { issues: { path: string }[] } } }>().error;
      t.equal(error.code, 'VALIDATION_FAILED');
      t.ok(
        error.details.issues.some((issue) => issue.path === path),
        `issue at ${path}: ${JSON.stringify(error.details.issues)}`,
      );
    }
    const badId = await call('POST', '/v1/admin/sales/not-a-uuid/arm', ops);
    t.equal(badId.statusCode, 400);
    t.equal(badId.json().error.details.context, 'params');
  });

  t.test('create a SKU and a sale, arm it twice (loaded once), read the stock view', async (t) => {
    const sku = await call('POST', '/v1/admin/skus', ops, { id: 'sku-42', name: 'Limited sneaker', stock: 150 });
    t.equal(sku.statusCode, 201, sku.body);
    t.same(sku.json(), { id: 'sku-42', name: 'Limited sneaker', initial_stock: 150, stock: 150, allocated: 0 });
    const duplicate = await call('POST', '/v1/admin/skus', ops, { id: 'sku-42', name: 'Again', stock: 1 });
    t.equal(duplicate.statusCode, 409);
    t.equal(duplicate.json().error.code, 'SKU_EXISTS');

    const tooMuch = await call('POST', '/v1/admin/sales', ops, { ...saleBody, stock: 151 });
    t.equal(tooMuch.statusCode, 409);
    t.equal(tooMuch.json().error.code, 'INSUFFICIENT_SKU_STOCK');
    const unknownSku = await call('POST', '/v1/admin/sales', ops, { ...saleBody, sku_id: 'nope' });
    t.equal(unknownSku.statusCode, 404);

    const created = await call('POST', '/v1/admin/sales', ops, saleBody);
    t.equal(created.statusCode, 201, created.body);
    const sale = created.json();
    t.match(sale, { sku_id: 'sku-42', stock: 100, unit_price_minor: 4999, currency: 'EUR', starts_at: T0.toISOString(), armed_at: null });
    t.equal(env.reservations.keys(sale.id).meta.includes(`{${sale.id}}`), true);
    t.equal(await env.reservations.view(sale.id), null, 'creating a sale does not arm it');

    const first = await call('POST', `/v1/admin/sales/${sale.id}/arm`, ops);
    t.equal(first.statusCode, 200, first.body);
    t.match(first.json(), { armed: true, sale: { armed_at: now.toISOString() }, redis: { armed_stock: 100, available: 100, held: 0, sold: 0 } });

    const taken = await env.reservations.reserve({ saleId: sale.id, tenantId: TENANT, orderId: 'o1', userId: 'u1', quantity: 2, nowMs: T0.getTime() + 1 });
    t.match(taken, { ok: true, remaining: 98, unitPriceMinor: 4999, skuId: 'sku-42' });

    now = new Date(now.getTime() + 1000);
    const second = await call('POST', `/v1/admin/sales/${sale.id}/arm`, ops);
    t.equal(second.statusCode, 200);
    t.match(
      second.json(),
      { armed: false, sale: { armed_at: new Date(now.getTime() - 1000).toISOString() }, redis: { armed_stock: 100, available: 98, held: 2 } },
      'stock loaded once',
    );

    const view = await call('GET', `/v1/admin/sales/${sale.id}/stock`, ops);
    t.equal(view.statusCode, 200);
    t.same(view.json(), {
      sale_id: sale.id,
      sku_id: 'sku-42',
      sale_stock: 100,
      armed_at: new Date(now.getTime() - 1000).toISOString(),
      redis: { armed_stock: 100, available: 98, held: 2, sold: 0 },
      mysql: { sku_stock: 150, sku_initial_stock: 150 },
      audit: {
        reserve: { rows: 0, quantity: 0, stock_delta: 0 },
        decrease: { rows: 0, quantity: 0, stock_delta: 0 },
        release: { rows: 0, quantity: 0, stock_delta: 0 },
        refund: { rows: 0, quantity: 0, stock_delta: 0 },
      },
      reservations: {
        committed: { orders: 0, quantity: 0 },
        released: { orders: 0, quantity: 0 },
        released_before_created: { orders: 0, quantity: 0 },
        refunded: { orders: 0, quantity: 0 },
      },
    });

    // Another tenant's ops cannot see or arm it.
    t.equal((await call('GET', `/v1/admin/sales/${sale.id}/stock`, otherTenantOps)).statusCode, 404);
    t.equal((await call('POST', `/v1/admin/sales/${sale.id}/arm`, otherTenantOps)).statusCode, 404);

    // Redis lost the sale: arming again would hand out all 100 units again, so it is refused.
    await env.redis.del(...Object.values(env.reservations.keys(sale.id)));
    const lost = await call('POST', `/v1/admin/sales/${sale.id}/arm`, ops);
    t.equal(lost.statusCode, 409);
    t.equal(lost.json().error.code, 'SALE_NEEDS_REBUILD');
    t.equal(await env.reservations.view(sale.id), null);
  });

  t.test('a sale that has ended is not armed', async (t) => {
    const created = await call('POST', '/v1/admin/sales', ops, { ...saleBody, stock: 5 });
    const saleId = created.json().id;
    const saved = now;
    now = new Date(T0.getTime() + 3600_000);
    t.teardown(() => {
      now = saved;
    });
    const refused = await call('POST', `/v1/admin/sales/${saleId}/arm`, ops);
    t.equal(refused.statusCode, 409);
    t.equal(refused.json().error.code, 'SALE_ENDED');
    t.equal(await env.reservations.view(saleId), null);
  });
});
