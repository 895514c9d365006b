import { ServiceClient } from '@flash-sale/service-kit';
import { randomUUID } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import t from 'tap';
import { orderHarness, placeOrderRequest } from './support/order-harness.ts';

const SECRET = 'test-secret-of-enough-length';

t.test('a service reads an order of the tenant its token names; shoppers, other tenants and bad ids are refused', async (t) => {
  const h = await orderHarness(t);
  const saleId = await h.armSale();
  const owner = h.token({ userId: 'owner' });
  const placed = (await h.app.inject(placeOrderRequest(owner, randomUUID(), { sale_id: saleId, quantity: 2 }))).json();
  const payment = new ServiceClient({ baseUrl: 'http://127.0.0.1:1', secret: SECRET, caller: 'payment' });
  const asService = (tenant: string) => ({ authorization: `Bearer ${payment.token(tenant)}` });

  const read = await h.app.inject({ method: 'GET', url: `/v1/internal/orders/${placed.id}`, headers: asService('t1') });
  t.equal(read.statusCode, 200, read.body);
  t.same(read.json(), {
    id: placed.id,
    tenant_id: 't1',
    user_id: 'owner',
    status: 'PENDING',
    total_minor: placed.total_minor,
    currency: placed.currency,
    expires_at: placed.expires_at,
    created_at: placed.created_at,
    trace_id: read.json().trace_id,
  });
  // The trace the order's own order.created carries, so the asking service can continue it.
  const [events] = await h.db.pool.query<RowDataPacket[]>(
    "SELECT JSON_VALUE(envelope, '$.trace_id') AS trace_id FROM outbox WHERE partition_key = ? AND event_type = 'order.created.v1'",
    [placed.id],
  );
  t.match(read.json().trace_id, /^[0-9a-f]{32}$/);
  t.equal(read.json().trace_id, events[0]?.trace_id, 'the trace id is the one order.created carries');

  const otherTenant = await h.app.inject({ method: 'GET', url: `/v1/internal/orders/${placed.id}`, headers: asService('t2') });
  t.equal(otherTenant.statusCode, 404, 'another tenant sees no such order');
  const unknown = await h.app.inject({ method: 'GET', url: `/v1/internal/orders/${randomUUID()}`, headers: asService('t1') });
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().error.code, 'ORDER_NOT_FOUND');
  const shopper = await h.app.inject({ method: 'GET', url: `/v1/internal/orders/${placed.id}`, headers: { authorization: `Bearer ${owner}` } });
  t.equal(shopper.statusCode, 403, 'a shopper token is not a service');
  const anonymous = await h.app.inject({ method: 'GET', url: `/v1/internal/orders/${placed.id}` });
  t.equal(anonymous.statusCode, 401);
  for (const bad of ['{x}', 'not a uuid', 'x'.repeat(500)]) {
    const response = await h.app.inject({ method: 'GET', url: `/v1/internal/orders/${encodeURIComponent(bad)}`, headers: asService('t1') });
    t.equal(response.statusCode, 400, bad.slice(0, 12));
    t.equal(response.json().error.code, 'VALIDATION_FAILED');
  }
});
