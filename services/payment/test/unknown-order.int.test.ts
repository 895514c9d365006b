/**
 * Opening a payment for an order the payment service's Kafka-fed view has not seen yet. The order
 * service's side of the contract (`GET /v1/internal/orders/:id`) is tested on the real order app
 * (services/order/test/internal-orders.int.test.ts); here it is played by a small HTTP server that
 * admits callers exactly like the order service does (service-kit's auth, `service` role) and
 * answers in that contract's shape, so the payment service's real HTTP client, token and parsing
 * are exercised over a real port.
 */
import { ServiceClient, authPlugin, createBaseApp, createLogger, createMetricsRegistry, principalOf, requireRole } from '@flash-sale/service-kit';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { createOrderServiceDirectory } from '../src/infra/order-service.client.ts';
import { createPaymentHarness, TENANT } from './support/payment-harness.ts';

const SECRET = 'test-jwt-secret-0123456789';

interface StoredOrder {
  id: string;
  tenant_id: string;
  user_id: string;
  status: string;
  total_minor: number;
  currency: string;
  expires_at: string;
  created_at: string;
}

async function orderServiceStandIn(teardown: (fn: () => unknown) => void) {
  const orders = new Map<string, StoredOrder>();
  const calls: Array<{ orderId: string; tenant: string; subject: string }> = [];
  const app = await createBaseApp({ logger: createLogger({ service: 'order', level: 'silent' }), metrics: createMetricsRegistry('order'), readiness: [] });
  await app.register(authPlugin, { secret: SECRET });
  app.get<{ Params: { id: string } }>('/v1/internal/orders/:id', { onRequest: requireRole('service') }, async (request, reply) => {
    const principal = principalOf(request);
    calls.push({ orderId: request.params.id, tenant: principal.tenantId, subject: principal.userId });
    const order = orders.get(request.params.id);
    if (!order || order.tenant_id !== principal.tenantId)
      return reply.status(404).send({ error: { code: 'ORDER_NOT_FOUND', message: 'order not found', details: {} } });
    return order;
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  teardown(() => app.close());
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const place = (userId: string, overrides: Partial<StoredOrder> = {}) => {
    const order: StoredOrder = {
      id: randomUUID(),
      tenant_id: TENANT,
      user_id: userId,
      status: 'PENDING',
      total_minor: 4999,
      currency: 'EUR',
      expires_at: new Date(Date.now() + 15 * 60_000).toISOString(),
      created_at: new Date().toISOString(),
      ...overrides,
    };
    orders.set(order.id, order);
    return order;
  };
  return { url, place, calls };
}

const directoryAt = (baseUrl: string) => createOrderServiceDirectory(new ServiceClient({ baseUrl, secret: SECRET, caller: 'payment', timeoutMs: 500 }));

t.test("a payment opened for an order the view has not seen yet proceeds from the order service's answer, never 404", async (t) => {
  const orderService = await orderServiceStandIn(t.teardown.bind(t));
  const h = await createPaymentHarness(t.teardown.bind(t), { orders: directoryAt(orderService.url) });
  const order = orderService.place('alice');

  const opened = await h.app.inject({ method: 'POST', url: `/v1/orders/${order.id}/payments`, headers: { authorization: `Bearer ${h.token('alice')}` } });
  t.equal(opened.statusCode, 201, opened.body);
  t.match(opened.json(), { order_id: order.id, status: 'PENDING', amount_minor: 4999, currency: 'EUR', provider: { redirect_url: /^http/ } });
  t.match(
    orderService.calls,
    [{ orderId: order.id, tenant: TENANT, subject: 'service:payment' }],
    "asked once, as the payment service, for the shopper's tenant",
  );

  const [view] = await h.query<{ status: string; user_id: string; total_minor: number; last_event_id: string | null }>(
    'SELECT status, user_id, total_minor, last_event_id FROM order_view WHERE order_id = ?',
    [order.id],
  );
  t.match(view, { status: 'PENDING', user_id: 'alice', total_minor: 4999, last_event_id: null }, 'the view learned the order');

  // The order.created event that arrives later changes nothing.
  await h.orderCreated({ orderId: order.id, userId: 'alice', totalMinor: 4999 });
  const [after] = await h.query<{ status: string }>('SELECT status FROM order_view WHERE order_id = ?', [order.id]);
  t.equal(after?.status, 'PENDING');
  const again = await h.app.inject({ method: 'POST', url: `/v1/orders/${order.id}/payments`, headers: { authorization: `Bearer ${h.token('alice')}` } });
  t.equal(again.statusCode, 200, 'the same payment resumes');
  t.equal(again.json().payment_id, opened.json().payment_id);
  t.equal(orderService.calls.length, 1, 'a known order is not asked about again');
});

t.test('only the order service\'s own "no such order" is a 404; another user\'s order is absent too; an ended order is not payable', async (t) => {
  const orderService = await orderServiceStandIn(t.teardown.bind(t));
  const h = await createPaymentHarness(t.teardown.bind(t), { orders: directoryAt(orderService.url) });
  const missing = await h.app.inject({ method: 'POST', url: `/v1/orders/${randomUUID()}/payments`, headers: { authorization: `Bearer ${h.token('alice')}` } });
  t.equal(missing.statusCode, 404);
  const bobs = orderService.place('bob');
  const notMine = await h.app.inject({ method: 'POST', url: `/v1/orders/${bobs.id}/payments`, headers: { authorization: `Bearer ${h.token('alice')}` } });
  t.equal(notMine.statusCode, 404);
  const cancelled = orderService.place('alice', { status: 'CANCELLED' });
  const refused = await h.app.inject({ method: 'POST', url: `/v1/orders/${cancelled.id}/payments`, headers: { authorization: `Bearer ${h.token('alice')}` } });
  t.equal(refused.statusCode, 409);
  t.equal(refused.json().error.code, 'ORDER_NOT_PAYABLE');
  t.equal((await h.query('SELECT 1 FROM payments')).length, 0, 'no payment was opened');
});

t.test('while the order service is unreachable the client is told 425 with Retry-After, never 404, and nothing is written', async (t) => {
  const h = await createPaymentHarness(t.teardown.bind(t), { orders: directoryAt('http://127.0.0.1:1') });
  const orderId = randomUUID();
  const response = await h.app.inject({ method: 'POST', url: `/v1/orders/${orderId}/payments`, headers: { authorization: `Bearer ${h.token('alice')}` } });
  t.equal(response.statusCode, 425, response.body);
  t.equal(response.json().error.code, 'ORDER_NOT_YET_KNOWN');
  t.equal(response.headers['retry-after'], '1');
  t.equal((await h.query('SELECT 1 FROM order_view WHERE order_id = ?', [orderId])).length, 0);
  t.equal((await h.query('SELECT 1 FROM payments')).length, 0);
});
