// Group commit when the COMMIT's acknowledgement is lost: the writer asks MySQL before it reports
// anything, so an order that exists is answered 201 and keeps its hold.
import { createMysqlPool } from '@flash-sale/service-kit';
import { waitFor } from '@flash-sale/testkit';
import { randomUUID } from 'node:crypto';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import t from 'tap';
import { orderHarness, placeOrderRequest, type OrderHarness } from './support/order-harness.ts';
import { startReplyCuttingProxy } from './support/reply-cutting-proxy.ts';

/** The end of the group-commit statement batch, as it travels in the COM_QUERY packet. */
const COMMIT_MARKER = ';\nCOMMIT';

async function count(pool: Pool, sql: string, params: unknown[] = []): Promise<number> {
  const [rows] = await pool.query<RowDataPacket[]>(sql, params);
  return Number(rows[0]?.n);
}

async function behindProxy(t: Tap, h: OrderHarness) {
  const direct = new URL(h.db.url);
  const proxy = await startReplyCuttingProxy({ host: direct.hostname, port: Number(direct.port || 3306) });
  t.teardown(() => proxy.close());
  const proxied = new URL(h.db.url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String(proxy.port);
  const batchPool = createMysqlPool(proxied.toString(), { connectionLimit: 2, multipleStatements: true });
  t.teardown(() => batchPool.end());
  const app = await h.rebuild({ mysqlBatch: batchPool });
  return { proxy, app };
}

interface Tap {
  teardown: (fn: () => unknown) => void;
}

t.test('COMMIT succeeded but its acknowledgement was lost: the order is answered 201 and its hold is not released', async (t) => {
  const h = await orderHarness(t);
  const { proxy, app } = await behindProxy(t, h);
  const saleId = await h.armSale({ stock: 5 });
  const cut = proxy.cutReplyAfter(COMMIT_MARKER, async () => {
    await waitFor(async () => (await count(h.db.pool, 'SELECT COUNT(*) AS n FROM orders')) === 1, { what: 'the batch committed on the server' });
  });

  const response = await app.inject(placeOrderRequest(h.token({ userId: 'buyer' }), randomUUID(), { sale_id: saleId, quantity: 2 }));
  await cut;
  t.equal(proxy.cuts, 1, 'the reply to the COMMIT was cut');
  t.equal(response.statusCode, 201, response.body);
  const orderId = response.json().id as string;
  t.equal(await count(h.db.pool, 'SELECT COUNT(*) AS n FROM orders WHERE id = ?', [orderId]), 1, 'the order row exists');
  t.equal(await count(h.db.pool, "SELECT COUNT(*) AS n FROM outbox WHERE event_type = 'order.created.v1'"), 1, 'its order.created is in the outbox');
  t.match(await h.reservations.view(saleId), { available: 3, held: 2, sold: 0 }, 'the hold stays with the order');
});

t.test('the connection dies before the batch reached the server: 503 and the hold released, nothing written', async (t) => {
  const h = await orderHarness(t);
  const { proxy, app } = await behindProxy(t, h);
  const saleId = await h.armSale({ stock: 5 });
  const dropped = proxy.dropRequest(COMMIT_MARKER);

  const response = await app.inject(placeOrderRequest(h.token({ userId: 'buyer' }), randomUUID(), { sale_id: saleId, quantity: 2 }));
  await dropped;
  t.equal(response.statusCode, 503, response.body);
  t.equal(await count(h.db.pool, 'SELECT COUNT(*) AS n FROM orders'), 0);
  t.match(await h.reservations.view(saleId), { available: 5, held: 0 }, 'hold released: there is no order');
});
