// The expiry sweep never expires an order on a guess: without a usable answer from the payment
// service, every overdue order stays PENDING for this round. (The answers themselves, against the
// real payment route, are exercised by the reconciler's payment-aware expiry test.)
import { ServiceClient } from '@flash-sale/service-kit';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { expireDueOrders } from '../src/application/expire-orders.ts';
import { findOrder, orderHistory } from '../src/infra/order.repository.ts';
import { HttpPaymentStatusReader } from '../src/infra/payment-status.client.ts';
import { orderHarness, placeOrderRequest, type OrderHarness } from './support/order-harness.ts';

const secret = 'test-secret-of-enough-length';

async function overdueOrder(h: OrderHarness): Promise<string> {
  const saleId = await h.armSale();
  const response = await h.app.inject(placeOrderRequest(h.token({ userId: `buyer-${randomUUID()}` }), randomUUID(), { sale_id: saleId, quantity: 1 }));
  return response.json().id as string;
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

t.test('payment service unreachable: no overdue order is expired this round, and the sweep says why', async (t) => {
  const h = await orderHarness(t);
  const orderId = await overdueOrder(h);
  h.clock.now = new Date(h.clock.now.getTime() + 3_600_000);
  const payments = new HttpPaymentStatusReader(
    new ServiceClient({ baseUrl: `http://127.0.0.1:${await closedPort()}`, secret, caller: 'order', timeoutMs: 500 }),
  );
  const told: unknown[] = [];
  const run = await expireDueOrders({ pool: h.db.pool, now: () => h.clock.now, payments, onUnverified: (_tenant, ids, error) => told.push({ ids, error }) });
  t.same(run, { checked: 1, expired: 0, paid: 0, postponed: 0, unverified: 1 });
  t.equal((await findOrder(h.db.pool, orderId))?.status, 'PENDING');
  t.equal((await orderHistory(h.db.pool, orderId)).length, 1, 'no transition recorded');
  t.match(told, [{ ids: [orderId], error: { code: 'DEPENDENCY_UNAVAILABLE' } }]);
  const [events] = (await h.db.pool.query("SELECT COUNT(*) AS n FROM outbox WHERE event_type = 'order.expired.v1'")) as unknown as [Array<{ n: number }>];
  t.equal(Number(events[0]?.n), 0, 'no order.expired written');
});

t.test('payment service answering an error or an incomplete list: nothing is expired', async (t) => {
  const h = await orderHarness(t);
  const orderId = await overdueOrder(h);
  h.clock.now = new Date(h.clock.now.getTime() + 3_600_000);
  const replies = [
    { status: 500, body: { error: { code: 'INTERNAL', message: 'boom', details: {} } } },
    { status: 200, body: { orders: [] } },
  ];
  const server = createServer((_request, response) => {
    const reply = replies.shift() ?? { status: 503, body: {} };
    response.writeHead(reply.status, { 'content-type': 'application/json' }).end(JSON.stringify(reply.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const payments = new HttpPaymentStatusReader(
    new ServiceClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, secret, caller: 'order' }),
  );
  for (const round of ['a 500', 'a list without the order']) {
    const run = await expireDueOrders({ pool: h.db.pool, now: () => h.clock.now, payments });
    t.match(run, { expired: 0, unverified: 1 }, `${round}: not expired`);
  }
  t.equal((await findOrder(h.db.pool, orderId))?.status, 'PENDING');
});
