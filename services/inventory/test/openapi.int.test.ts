import { openApiProblems } from '@flash-sale/testkit';
import t from 'tap';
import { createInventoryEnv, inventoryApp } from './fixtures/inventory-env.ts';

t.test('the inventory service publishes a valid OpenAPI document in which every route declares its answers', async (t) => {
  const env = await createInventoryEnv(t.teardown.bind(t));
  const app = await inventoryApp(t.teardown.bind(t), env);
  const response = await app.inject({ method: 'GET', url: '/docs/json' });
  t.equal(response.statusCode, 200);
  const document = response.json();
  t.same(await openApiProblems(document), []);
  for (const [path, method] of [
    ['/v1/admin/skus', 'post'],
    ['/v1/admin/skus/{skuId}', 'get'],
    ['/v1/admin/skus/{skuId}/restock', 'post'],
    ['/v1/admin/sales', 'post'],
    ['/v1/admin/sales/{saleId}', 'get'],
    ['/v1/admin/sales/{saleId}/arm', 'post'],
    ['/v1/admin/sales/{saleId}/end', 'post'],
    ['/v1/admin/sales/{saleId}/stock', 'get'],
    ['/v1/internal/sales/{saleId}', 'get'],
  ] as const) {
    t.ok(document.paths[path]?.[method], `${method.toUpperCase()} ${path} documented`);
  }
  t.ok((await app.inject({ method: 'GET', url: '/docs' })).statusCode < 400, 'UI served');
});
