// Who may call the admin API, how often, and in which order the checks run; budgets live in real Redis under the test's key prefix.
import { defaultRateLimits, signToken, type RateLimits } from '@flash-sale/service-kit';
import { randomBytes, randomUUID } from 'node:crypto';
import t from 'tap';
import { TENANT, createInventoryEnv, inventoryApp } from './fixtures/inventory-env.ts';

const build = async (t: { teardown: (fn: () => unknown) => void }, rateLimits?: Partial<RateLimits>) => {
  const env = await createInventoryEnv(t.teardown.bind(t));
  const app = await inventoryApp(t.teardown.bind(t), env, { ...(rateLimits ? { rateLimits } : {}), now: () => new Date() });
  const bearer = (userId: string, roles: ('shopper' | 'ops')[]) => ({ authorization: `Bearer ${signToken(app, { userId, tenantId: TENANT, roles })}` });
  return { app, bearer };
};

t.test('a shopper posting garbage to every admin route of the inventory service gets 403 without validation detail; no token gets 401', async (t) => {
  const { app, bearer } = await build(t);
  const shopper = bearer('u1', ['shopper']);
  const routes: ['GET' | 'POST', string][] = [
    ['POST', '/v1/admin/skus'],
    ['GET', '/v1/admin/skus/%7Bbad%7D'],
    ['POST', '/v1/admin/sales'],
    ['GET', '/v1/admin/sales/%7Bbad%7D'],
    ['POST', '/v1/admin/sales/%7Bbad%7D/arm'],
    ['GET', '/v1/admin/sales/%7Bbad%7D/stock'],
    ['POST', '/v1/admin/sales/%7Bbad%7D/end'],
    ['POST', '/v1/admin/skus/%7Bbad%7D/restock'],
  ];
  for (const [method, url] of routes) {
    const response = await app.inject({ method, url, headers: shopper, ...(method === 'POST' ? { payload: { stock: 'lots', extra: true } } : {}) });
    t.equal(response.statusCode, 403, `${method} ${url}`);
    t.same(response.json().error.details, {}, 'nothing about the expected input');
    const anonymous = await app.inject({ method, url, ...(method === 'POST' ? { payload: {} } : {}) });
    t.equal(anonymous.statusCode, 401, `${method} ${url} without a token`);
  }
});

t.test('requests with random bearer strings run into 429s at the default per-address budget', async (t) => {
  const { app } = await build(t);
  const { max } = defaultRateLimits.perAddress;
  const statuses: number[] = [];
  for (let i = 0; i < 2 * max; i += 1) {
    statuses.push(
      (
        await app.inject({
          method: 'GET',
          url: `/v1/admin/sales/${randomUUID()}`,
          headers: { authorization: `Bearer ${randomBytes(32).toString('base64url')}` },
        })
      ).statusCode,
    );
  }
  t.equal(statuses.filter((status) => status === 401).length, max);
  t.equal(statuses.filter((status) => status === 429).length, max);
});

t.test('a verified caller over budget gets 429 while another caller is unaffected', async (t) => {
  const { app, bearer } = await build(t, { perPrincipal: { max: 3, windowMs: 60_000 } });
  const statuses: number[] = [];
  for (let i = 0; i < 5; i += 1)
    statuses.push((await app.inject({ method: 'GET', url: `/v1/admin/sales/${randomUUID()}`, headers: bearer('ops-greedy', ['ops']) })).statusCode);
  t.same(statuses, [404, 404, 404, 429, 429]);
  t.equal((await app.inject({ method: 'GET', url: `/v1/admin/sales/${randomUUID()}`, headers: bearer('ops-patient', ['ops']) })).statusCode, 404);
});
