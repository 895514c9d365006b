// The read our own services make before expiring an order: paid, in flight or nothing, for the
// caller's tenant only, and only for callers holding the service role.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ServiceClient } from '@flash-sale/service-kit';
import t from 'tap';
import { DEFAULT_IN_FLIGHT_MAX_MS } from '../src/http/internal.routes.ts';
import { createPaymentHarness, TENANT } from './support/payment-harness.ts';

const JWT_SECRET = 'test-jwt-secret-0123456789';

t.test('the payment service tells a service caller whether an order is paid, has a payment in flight, or has none', async (t) => {
  const h = await createPaymentHarness(t.teardown.bind(t));
  const client = new ServiceClient({ baseUrl: `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`, secret: JWT_SECRET, caller: 'order' });

  const inFlight = await h.orderCreated();
  const opened = await h.openPayment(inFlight.order_id, inFlight.user_id);
  const paid = await h.orderCreated();
  const paymentId = randomUUID();
  await h.db.pool.query(
    "INSERT INTO payments (id, order_id, tenant_id, user_id, amount_minor, currency, status, transaction_id) VALUES (?, ?, ?, ?, 4999, 'EUR', 'COMPLETED', ?)",
    [paymentId, paid.order_id, TENANT, paid.user_id, `tx-${paymentId}`],
  );
  // A provider that never answered: opened a minute past the in-flight bound, still PENDING.
  const abandoned = await h.orderCreated();
  const stale = await h.openPayment(abandoned.order_id, abandoned.user_id);
  await h.db.pool.query('UPDATE payments SET created_at = ? WHERE id = ?', [new Date(Date.now() - DEFAULT_IN_FLIGHT_MAX_MS - 60_000), stale.payment_id]);
  const unpaid = await h.orderCreated();

  const one = await client.get(`/v1/internal/orders/${paid.order_id}/payment`, TENANT);
  t.equal(one.status, 200);
  t.same(one.body, { order_id: paid.order_id, state: 'completed', payment_id: paymentId, payment_status: 'COMPLETED' });

  const ids = [paid.order_id, inFlight.order_id, abandoned.order_id, unpaid.order_id];
  const batch = await client.get<{ orders: unknown[] }>(`/v1/internal/order-payments?order_ids=${ids.join(',')}`, TENANT);
  t.equal(batch.status, 200);
  t.same(batch.body.orders, [
    { order_id: paid.order_id, state: 'completed', payment_id: paymentId, payment_status: 'COMPLETED' },
    { order_id: inFlight.order_id, state: 'in_flight', payment_id: opened.payment_id, payment_status: 'PENDING' },
    { order_id: abandoned.order_id, state: 'none', payment_id: stale.payment_id, payment_status: 'PENDING' },
    { order_id: unpaid.order_id, state: 'none', payment_id: null, payment_status: null },
  ]);

  const otherTenant = await client.get(`/v1/internal/orders/${paid.order_id}/payment`, 'another-tenant');
  t.match(otherTenant.body, { state: 'none', payment_id: null }, 'another tenant learns nothing about this order');
});

t.test('only a service caller may read, and a malformed order id is a 400 that reads nothing', async (t) => {
  const h = await createPaymentHarness(t.teardown.bind(t));
  const url = '/v1/internal/orders/some-order/payment';
  t.equal((await h.app.inject({ method: 'GET', url })).statusCode, 401);
  const shopper = await h.app.inject({ method: 'GET', url: '/v1/internal/order-payments?order_ids=', headers: { authorization: `Bearer ${h.token('u1')}` } });
  t.equal(shopper.statusCode, 403, 'a shopper is refused before the input is looked at');
  const service = { authorization: `Bearer ${h.token('service:order', ['service'])}` };
  const bad = await h.app.inject({ method: 'GET', url: '/v1/internal/orders/%7Bx%7D/payment', headers: service });
  t.equal(bad.statusCode, 400);
  t.match(bad.json(), { error: { code: String } });
  const tooMany = Array.from({ length: 101 }, (_, i) => `o${i}`).join(',');
  t.equal((await h.app.inject({ method: 'GET', url: `/v1/internal/order-payments?order_ids=${tooMany}`, headers: service })).statusCode, 400);
});
