// A sale Redis does not know is not always a sale that does not exist: the books (through the
// inventory service's internal read) tell a lost sale (503 SALE_RECOVERING, rebuild asked for)
// from an unknown one (404). The inventory side here is a plain HTTP server answering that
// route's contract; the real inventory process is exercised in tests/e2e.
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { bullmqPrefix, ServiceClient } from '@flash-sale/service-kit';
import { SALE_REBUILD_QUEUE, type SaleRebuildRequest } from '@flash-sale/stock-reservations';
import { Queue } from 'bullmq';
import type { RowDataPacket } from 'mysql2/promise';
import t, { type Test } from 'tap';
import { QueueSaleRebuildRequester, SaleDirectory } from '../src/infra/sale-directory.ts';
import { orderHarness, placeOrderRequest } from './support/order-harness.ts';

const SECRET = 'test-secret-of-enough-length';

interface InventoryStub {
  url: string;
  sales: Map<string, { armed: boolean; startsAt: Date; endsAt: Date }>;
  calls: string[];
}

async function inventoryStub(t: Test): Promise<InventoryStub> {
  const sales = new Map<string, { armed: boolean; startsAt: Date; endsAt: Date }>();
  const calls: string[] = [];
  const server: Server = createServer((request, response) => {
    calls.push(request.url ?? '');
    const match = /^\/v1\/internal\/sales\/([^/?]+)$/.exec(request.url ?? '');
    const sale = match?.[1] ? sales.get(decodeURIComponent(match[1])) : undefined;
    response.setHeader('content-type', 'application/json');
    if (!match?.[1] || !request.headers.authorization?.startsWith('Bearer ')) {
      response.statusCode = 401;
      response.end('{}');
    } else if (!sale) {
      response.statusCode = 404;
      response.end(JSON.stringify({ error: { code: 'NOT_FOUND', message: 'sale not found', details: {} } }));
    } else {
      response.end(
        JSON.stringify({ id: decodeURIComponent(match[1]), armed: sale.armed, starts_at: sale.startsAt.toISOString(), ends_at: sale.endsAt.toISOString() }),
      );
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no address');
  return { url: `http://127.0.0.1:${address.port}`, sales, calls };
}

async function setup(t: Test, inventoryUrl?: string) {
  const stub = await inventoryStub(t);
  const base = await orderHarness(t);
  const connection = base.redisConnection({ maxRetriesPerRequest: null, enableAutoPipelining: false });
  const queue = new Queue<SaleRebuildRequest>(SALE_REBUILD_QUEUE, { connection, prefix: bullmqPrefix(SALE_REBUILD_QUEUE, base.prefix) });
  t.teardown(async () => {
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    connection.disconnect();
  });
  const directory = new SaleDirectory({
    inventory: new ServiceClient({ baseUrl: inventoryUrl ?? stub.url, secret: SECRET, caller: 'order', timeoutMs: 500 }),
    ttlMs: 60_000,
  });
  const app = await base.rebuild({ sales: { directory, rebuilds: new QueueSaleRebuildRequester(queue) } });
  return { ...base, app, stub, queue, directory };
}

t.test(
  'a sale the books know as armed and live but Redis lost: 503 SALE_RECOVERING with Retry-After, one rebuild asked for, nothing written, and the same key succeeds once restored',
  async (t) => {
    const h = await setup(t);
    const saleId = await h.armSale({ stock: 5 });
    h.stub.sales.set(saleId, { armed: true, startsAt: new Date(h.clock.now.getTime() - 60_000), endsAt: new Date(h.clock.now.getTime() + 3_600_000) });
    const k = h.reservations.keys(saleId);
    const saved = await h.redis.hgetall(k.meta);
    await h.redis.del(k.meta);

    const token = h.token({ userId: 'buyer-1' });
    const key = randomUUID();
    const answers = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        h.app.inject(placeOrderRequest(i === 0 ? token : h.token(), i === 0 ? key : randomUUID(), { sale_id: saleId, quantity: 1 })),
      ),
    );
    for (const answer of answers) {
      t.equal(answer.statusCode, 503);
      t.equal(answer.headers['retry-after'], '2');
      t.match(answer.json(), { error: { code: 'SALE_RECOVERING', details: { sale_id: saleId } } });
    }
    t.equal(h.stub.calls.length, 1, 'inventory asked once: the answer is cached');
    const job = await h.queue.getJob(saleId);
    t.match(job?.data, { sale_id: saleId, tenant_id: 't1', requested_by: 'order-service' }, 'a rebuild is asked for under the sale id');
    t.equal(await h.queue.count(), 1, 'ten buyers, one job');
    const [orders] = await h.db.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM orders');
    t.equal(Number(orders[0]?.n), 0, 'no order written');

    await h.redis.hset(k.meta, saved);
    const retried = await h.app.inject(placeOrderRequest(token, key, { sale_id: saleId, quantity: 1 }));
    t.equal(retried.statusCode, 201, 'the same Idempotency-Key goes through once the sale is back');
  },
);

t.test('a sale the books do not know, or that is not armed, is 404 SALE_NOT_FOUND; one that ended is 409 SALE_ENDED; unknown ids are cached too', async (t) => {
  const h = await setup(t);
  const ended = randomUUID();
  const unarmed = randomUUID();
  h.stub.sales.set(ended, { armed: true, startsAt: new Date(h.clock.now.getTime() - 7_200_000), endsAt: new Date(h.clock.now.getTime() - 1) });
  h.stub.sales.set(unarmed, { armed: false, startsAt: new Date(h.clock.now.getTime() - 60_000), endsAt: new Date(h.clock.now.getTime() + 3_600_000) });
  const unknown = randomUUID();
  for (const saleId of [unknown, unknown, unknown, unarmed]) {
    const answer = await h.app.inject(placeOrderRequest(h.token(), randomUUID(), { sale_id: saleId, quantity: 1 }));
    t.equal(answer.statusCode, 404);
    t.match(answer.json(), { error: { code: 'SALE_NOT_FOUND' } });
  }
  const afterEnd = await h.app.inject(placeOrderRequest(h.token(), randomUUID(), { sale_id: ended, quantity: 1 }));
  t.equal(afterEnd.statusCode, 409, 'a sale that ended is not "not found"');
  t.match(afterEnd.json(), { error: { code: 'SALE_ENDED' } });
  t.equal(h.stub.calls.length, 3, 'one inventory call per sale id');
  t.equal(await h.queue.count(), 0, 'no rebuild asked for');
});

t.test('inventory unreachable: 503 DEPENDENCY_UNAVAILABLE, never a 404 for a sale that may exist', async (t) => {
  const h = await setup(t, 'http://127.0.0.1:9');
  const answer = await h.app.inject(placeOrderRequest(h.token(), randomUUID(), { sale_id: randomUUID(), quantity: 1 }));
  t.equal(answer.statusCode, 503);
  t.match(answer.json(), { error: { code: 'DEPENDENCY_UNAVAILABLE' } });
});

t.test('the sale directory remembers a bounded number of sales, dropping the least recently used', async (t) => {
  const stub = await inventoryStub(t);
  const directory = new SaleDirectory({ inventory: new ServiceClient({ baseUrl: stub.url, secret: SECRET, caller: 'order' }), maxEntries: 3, ttlMs: 60_000 });
  for (const id of ['a', 'b', 'c']) await directory.lookup('t1', id);
  await directory.lookup('t1', 'a');
  await directory.lookup('t1', 'd');
  t.equal(directory.size, 3);
  const before = stub.calls.length;
  await directory.lookup('t1', 'a');
  t.equal(stub.calls.length, before, 'a was used recently and kept');
  await directory.lookup('t1', 'b');
  t.equal(stub.calls.length, before + 1, 'b was the least recently used and dropped');
});
