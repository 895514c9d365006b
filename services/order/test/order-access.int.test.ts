import { randomUUID } from 'node:crypto';
import t from 'tap';
import { orderHarness, placeOrderRequest } from './support/order-harness.ts';

t.test('owners read and cancel their orders; everyone else gets 404', async (t) => {
  const h = await orderHarness(t);
  const saleId = await h.armSale();
  const owner = h.token({ userId: 'owner' });
  const stranger = h.token({ userId: 'stranger' });
  const otherTenant = h.token({ userId: 'owner', tenantId: 't2' });
  const placed = await h.app.inject(placeOrderRequest(owner, randomUUID(), { sale_id: saleId, quantity: 1 }));
  const orderId: string = placed.json().id;

  for (const token of [stranger, otherTenant]) {
    const read = await h.app.inject({ method: 'GET', url: `/v1/orders/${orderId}`, headers: { authorization: `Bearer ${token}` } });
    t.equal(read.statusCode, 404);
    t.equal(read.json().error.code, 'ORDER_NOT_FOUND');
    const cancel = await h.app.inject({ method: 'POST', url: `/v1/orders/${orderId}/cancel`, headers: { authorization: `Bearer ${token}` }, payload: {} });
    t.equal(cancel.statusCode, 404);
  }

  const read = await h.app.inject({ method: 'GET', url: `/v1/orders/${orderId}`, headers: { authorization: `Bearer ${owner}` } });
  t.equal(read.statusCode, 200);
  t.equal(read.json().status, 'PENDING');
  t.match(read.json().history, [{ from: null, to: 'PENDING', cause: 'order placed' }]);

  h.clock.now = new Date(h.clock.now.getTime() + 1000);
  const cancelled = await h.app.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/cancel`,
    headers: { authorization: `Bearer ${owner}` },
    payload: { reason: 'changed my mind' },
  });
  t.equal(cancelled.statusCode, 202);
  t.equal(cancelled.json().status, 'CANCELLED');
  const again = await h.app.inject({ method: 'POST', url: `/v1/orders/${orderId}/cancel`, headers: { authorization: `Bearer ${owner}` }, payload: {} });
  t.equal(again.statusCode, 409);
  t.equal(again.json().error.code, 'ORDER_TRANSITION_REFUSED');

  const history = (await h.app.inject({ method: 'GET', url: `/v1/orders/${orderId}`, headers: { authorization: `Bearer ${owner}` } })).json().history;
  t.match(history, [{ to: 'PENDING' }, { from: 'PENDING', to: 'CANCELLED', cause: /changed my mind/ }]);
  const [events] = (await h.db.pool.query('SELECT event_type FROM outbox WHERE partition_key = ? ORDER BY id', [orderId])) as unknown as [
    Array<{ event_type: string }>,
  ];
  t.same(
    events.map((e) => e.event_type),
    ['order.created.v1', 'order.cancelled.v1'],
  );
});

t.test('fulfilment is for ops only and follows the state machine', async (t) => {
  const h = await orderHarness(t);
  const saleId = await h.armSale();
  const owner = h.token({ userId: 'owner' });
  const orderId: string = (await h.app.inject(placeOrderRequest(owner, randomUUID(), { sale_id: saleId, quantity: 1 }))).json().id;
  const asShopper = await h.app.inject({ method: 'POST', url: `/v1/orders/${orderId}/ship`, headers: { authorization: `Bearer ${owner}` } });
  t.equal(asShopper.statusCode, 403);
  const ops = h.token({ userId: 'ops', roles: ['ops'] });
  const early = await h.app.inject({ method: 'POST', url: `/v1/orders/${orderId}/ship`, headers: { authorization: `Bearer ${ops}` } });
  t.equal(early.statusCode, 409, 'a pending order cannot be shipped');
});
