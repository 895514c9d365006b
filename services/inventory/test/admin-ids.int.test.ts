import { signToken } from '@flash-sale/service-kit';
import t from 'tap';
import { T0, TENANT, createInventoryEnv, inventoryApp } from './fixtures/inventory-env.ts';

t.test('ids that are not ids are refused with 400 VALIDATION_FAILED on every inventory route; wrong types in bodies too', async (t) => {
  const env = await createInventoryEnv(t.teardown.bind(t));
  const app = await inventoryApp(t.teardown.bind(t), env);
  const ops = { authorization: `Bearer ${signToken(app, { userId: 'ops-1', tenantId: TENANT, roles: ['ops'] })}` };

  const badIds = ['{x}', 'a}b', '{', 'has space', 'x'.repeat(500)];
  for (const bad of badIds) {
    const id = encodeURIComponent(bad);
    for (const [method, url] of [
      ['GET', `/v1/admin/skus/${id}`],
      ['GET', `/v1/admin/sales/${id}`],
      ['POST', `/v1/admin/sales/${id}/arm`],
      ['GET', `/v1/admin/sales/${id}/stock`],
    ] as const) {
      const response = await app.inject({ method, url, headers: ops });
      t.equal(response.statusCode, 400, `${method} ${url.slice(0, 40)}`);
      t.equal(response.json().error.code, 'VALIDATION_FAILED');
    }
  }

  const sale = {
    sku_id: 'sku-1',
    stock: 1,
    unit_price_minor: 100,
    currency: 'EUR',
    starts_at: T0.toISOString(),
    ends_at: new Date(T0.getTime() + 3600_000).toISOString(),
    per_user_limit: 1,
    hold_ttl_seconds: 60,
  };
  for (const sku_id of [...badIds, 42, ['sku-1'], null]) {
    const skuResponse = await app.inject({ method: 'POST', url: '/v1/admin/skus', headers: ops, payload: { id: sku_id, name: 'n', stock: 1 } });
    t.equal(skuResponse.statusCode, 400, `sku id ${JSON.stringify(sku_id).slice(0, 20)}`);
    t.equal(skuResponse.json().error.code, 'VALIDATION_FAILED');
    const saleResponse = await app.inject({ method: 'POST', url: '/v1/admin/sales', headers: ops, payload: { ...sale, sku_id } });
    t.equal(saleResponse.statusCode, 400, `sale sku_id ${JSON.stringify(sku_id).slice(0, 20)}`);
    t.equal(saleResponse.json().error.code, 'VALIDATION_FAILED');
  }
  const [rows] = (await env.pool.query('SELECT (SELECT COUNT(*) FROM skus) + (SELECT COUNT(*) FROM flash_sales) AS n')) as unknown as [Array<{ n: number }>];
  t.equal(Number(rows[0]?.n), 0, 'nothing was written');
});
