// Who may call, how often, and in which order the checks run: budgets live in the harness's real Redis (own key prefix).
import { randomBytes, randomUUID } from 'node:crypto';
import { signToken } from '@flash-sale/service-kit';
import t from 'tap';
import { orderHarness } from './support/order-harness.ts';

t.test('80 requests with random bearer strings from one address run into 429s at the default budget', async (t) => {
  const h = await orderHarness(t);
  const statuses: number[] = [];
  let refused: { code: string; retryAfter: unknown } | undefined;
  for (let i = 0; i < 80; i += 1) {
    const response = await h.app.inject({
      method: 'GET',
      url: `/v1/orders/${randomUUID()}`,
      headers: { authorization: `Bearer ${randomBytes(32).toString('base64url')}` },
    });
    statuses.push(response.statusCode);
    if (response.statusCode === 429) refused ??= { code: response.json().error.code, retryAfter: response.headers['retry-after'] };
  }
  t.equal(statuses.filter((status) => status === 401).length, 40, 'the first 40 are told the token is bad');
  t.equal(statuses.filter((status) => status === 429).length, 40, 'the rest are refused before their token is looked at twice');
  t.same(refused && { code: refused.code, hasRetryAfter: Number(refused.retryAfter) >= 1 }, { code: 'RATE_LIMITED', hasRetryAfter: true });
  const anonymous = await h.app.inject({ method: 'POST', url: '/v1/orders', payload: {} });
  t.equal(anonymous.statusCode, 429, 'no token at all draws on the same per-address budget');
  const verified = await h.app.inject({ method: 'GET', url: `/v1/orders/${randomUUID()}`, headers: { authorization: `Bearer ${h.token()}` } });
  t.equal(verified.statusCode, 404, 'a verified shopper from the same address has a budget of its own');
});

t.test(
  'a verified shopper over budget gets 429 whichever token it sends, while another shopper and the same user id in another tenant are unaffected',
  async (t) => {
    const h = await orderHarness(t, { rateLimits: { perPrincipal: { max: 5, windowMs: 60_000 } } });
    const statuses: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      // A fresh token each time (another expiry): the budget follows the verified caller, not the token string.
      const token = signToken(h.app, { userId: 'greedy', tenantId: 't1', roles: ['shopper'] }, `${60 + i}m`);
      statuses.push((await h.app.inject({ method: 'GET', url: `/v1/orders/${randomUUID()}`, headers: { authorization: `Bearer ${token}` } })).statusCode);
    }
    t.same(statuses, [404, 404, 404, 404, 404, 429, 429]);
    const other = await h.app.inject({
      method: 'GET',
      url: `/v1/orders/${randomUUID()}`,
      headers: { authorization: `Bearer ${h.token({ userId: 'patient' })}` },
    });
    t.equal(other.statusCode, 404);
    const sameIdOtherTenant = await h.app.inject({
      method: 'GET',
      url: `/v1/orders/${randomUUID()}`,
      headers: { authorization: `Bearer ${h.token({ userId: 'greedy', tenantId: 't2' })}` },
    });
    t.equal(sameIdOtherTenant.statusCode, 404);
  },
);

t.test('a shopper posting garbage to an ops route of the order service gets 403 without validation detail; no token gets 401', async (t) => {
  const h = await orderHarness(t);
  const shopper = { authorization: `Bearer ${h.token()}` };
  for (const command of ['ship', 'deliver']) {
    const garbage = await h.app.inject({ method: 'POST', url: `/v1/orders/%7Bnot-an-id%7D/${command}`, headers: shopper, payload: { nonsense: [1, 2, 3] } });
    t.equal(garbage.statusCode, 403, command);
    t.same(garbage.json(), { error: { code: 'FORBIDDEN', message: 'requires the ops role', details: {} } });
    const anonymous = await h.app.inject({ method: 'POST', url: `/v1/orders/%7Bnot-an-id%7D/${command}`, payload: { nonsense: true } });
    t.equal(anonymous.statusCode, 401, command);
  }
  const emptyOrder = await h.app.inject({ method: 'POST', url: '/v1/orders', payload: {} });
  t.equal(emptyOrder.statusCode, 401, 'an anonymous order with an empty body is refused for the token, not for the body');
  t.same(emptyOrder.json().error.details, {});
});
