// Who may call, how often, and in which order the checks run; budgets live in the harness's real Redis (own key prefix).
import { signWebhook } from '@flash-sale/provider-sim-service';
import { defaultRateLimits } from '@flash-sale/service-kit';
import { randomBytes, randomUUID } from 'node:crypto';
import t from 'tap';
import { WEBHOOK_SECRET, createPaymentHarness } from './support/payment-harness.ts';

t.test('requests with random bearer strings run into 429s at the default per-address budget', async (t) => {
  const h = await createPaymentHarness(t.teardown.bind(t));
  const { max } = defaultRateLimits.perAddress;
  const statuses: number[] = [];
  for (let i = 0; i < 2 * max; i += 1) {
    const response = await h.app.inject({
      method: 'GET',
      url: `/v1/payments/${randomUUID()}`,
      headers: { authorization: `Bearer ${randomBytes(32).toString('base64url')}` },
    });
    statuses.push(response.statusCode);
  }
  t.equal(statuses.filter((status) => status === 401).length, max);
  t.equal(statuses.filter((status) => status === 429).length, max);
});

t.test('a verified shopper over budget gets 429 while another shopper is unaffected', async (t) => {
  const h = await createPaymentHarness(t.teardown.bind(t), { rateLimits: { perPrincipal: { max: 3, windowMs: 60_000 } } });
  const read = (userId: string) =>
    h.app.inject({ method: 'GET', url: `/v1/payments/${randomUUID()}`, headers: { authorization: `Bearer ${h.token(userId)}` } });
  const statuses: number[] = [];
  for (let i = 0; i < 5; i += 1) statuses.push((await read('greedy')).statusCode);
  t.same(statuses, [404, 404, 404, 429, 429]);
  t.equal((await read('patient')).statusCode, 404);
});

t.test('the provider webhook has a budget of its own: spent bearer budgets do not block it, and it runs out on its own', async (t) => {
  const h = await createPaymentHarness(t.teardown.bind(t), {
    rateLimits: { perAddress: { max: 2, windowMs: 60_000 } },
    webhookRateLimit: { max: 3, windowMs: 60_000 },
  });
  const forged: number[] = [];
  for (let i = 0; i < 3; i += 1) {
    forged.push((await h.app.inject({ method: 'GET', url: `/v1/payments/${randomUUID()}`, headers: { authorization: 'Bearer forged' } })).statusCode);
  }
  t.same(forged, [401, 401, 429], 'the address has spent its budget for bad tokens');

  const deliver = async () => {
    // A signed event of a type the service does not act on is stored and acknowledged (200).
    const body = JSON.stringify({ id: `evt_${randomUUID().replaceAll('-', '')}`, type: 'customer.updated', created: Math.floor(Date.now() / 1000), data: {} });
    return h.app.inject({
      method: 'POST',
      url: '/v1/webhooks/provider',
      headers: { 'content-type': 'application/json', 'provider-signature': signWebhook(WEBHOOK_SECRET, body, Math.floor(Date.now() / 1000)) },
      payload: body,
    });
  };
  const deliveries: number[] = [];
  for (let i = 0; i < 5; i += 1) deliveries.push((await deliver()).statusCode);
  t.same(deliveries, [200, 200, 200, 429, 429]);
  const refused = await deliver();
  t.equal(refused.json().error.code, 'RATE_LIMITED');
  t.ok(Number(refused.headers['retry-after']) >= 1, 'the provider is told when to retry');
  t.equal(
    (await h.app.inject({ method: 'GET', url: `/v1/payments/${randomUUID()}`, headers: { authorization: `Bearer ${h.token('shopper-1')}` } })).statusCode,
    404,
    'a verified shopper is unaffected by both',
  );
});

t.test('a shopper posting garbage to the ops refund route gets 403 without validation detail; no token gets 401', async (t) => {
  const h = await createPaymentHarness(t.teardown.bind(t));
  for (const payload of [{}, { reason: '', extra: true }]) {
    const response = await h.app.inject({
      method: 'POST',
      url: `/v1/payments/${randomUUID()}/refund`,
      headers: { authorization: `Bearer ${h.token('shopper-1')}` },
      payload,
    });
    t.equal(response.statusCode, 403);
    t.same(response.json(), { error: { code: 'FORBIDDEN', message: 'requires the ops role', details: {} } });
  }
  const anonymous = await h.app.inject({ method: 'POST', url: `/v1/payments/${randomUUID()}/refund`, payload: {} });
  t.equal(anonymous.statusCode, 401);
  t.same(anonymous.json().error.details, {});
});
