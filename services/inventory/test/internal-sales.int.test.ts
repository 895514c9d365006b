// GET /v1/internal/sales/:saleId: the books' view of a sale, for other services only, per tenant.
import { randomUUID } from 'node:crypto';
import { signToken } from '@flash-sale/service-kit';
import t from 'tap';
import { T0, TENANT, createInventoryEnv, inventoryApp, seedArmedSale } from './fixtures/inventory-env.ts';

t.test('a service reads whether a sale of its tenant is armed and when it runs; anyone else is refused and other tenants see nothing', async (t) => {
  const env = await createInventoryEnv(t.teardown.bind(t));
  const app = await inventoryApp(t.teardown.bind(t), env);
  const as = (tenantId: string, roles: string[]) => ({
    authorization: `Bearer ${signToken(app, { userId: 'service:order', tenantId, roles: roles as ['service'] })}`,
  });
  const read = (saleId: string, headers?: Record<string, string>) =>
    app.inject({ method: 'GET', url: `/v1/internal/sales/${saleId}`, ...(headers ? { headers } : {}) });

  const { saleId } = await seedArmedSale(env, 10);
  const armed = await read(saleId, as(TENANT, ['service']));
  t.equal(armed.statusCode, 200);
  t.same(armed.json(), { id: saleId, armed: true, starts_at: T0.toISOString(), ends_at: new Date(T0.getTime() + 3600_000).toISOString() });

  await env.pool.query('UPDATE flash_sales SET armed_at = NULL WHERE id = ?', [saleId]);
  t.match((await read(saleId, as(TENANT, ['service']))).json(), { armed: false });

  t.equal((await read(saleId, as('t2', ['service']))).statusCode, 404, 'another tenant does not see it');
  t.equal((await read(randomUUID(), as(TENANT, ['service']))).statusCode, 404);
  t.match((await read('not-a-uuid', as(TENANT, ['service']))).json(), { error: { code: 'VALIDATION_FAILED' } });
  t.equal((await read(saleId)).statusCode, 401);
  for (const roles of [['shopper'], ['ops']]) {
    const refused = await read(saleId, as(TENANT, roles));
    t.equal(refused.statusCode, 403, `${roles.join()} is refused`);
  }
});
