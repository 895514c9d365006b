// A reservation taken just before Redis lost everything, whose MySQL write arrives after the sale
// was rebuilt from the books, is in neither: written, its units would be sold twice. The sale's
// write fence refuses it (docs/adr/0006-redis-loss-recovery.md).
import { createMysqlPool } from '@flash-sale/service-kit';
import type { RebuildOrder, SaleDefinition } from '@flash-sale/stock-reservations';
import { deleteMatchingKeys, waitFor } from '@flash-sale/testkit';
import { randomUUID } from 'node:crypto';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import t from 'tap';
import { orderHarness, placeOrderRequest } from './support/order-harness.ts';

/** The fence bump of a rebuild, as the reconciler makes it once Redis refuses reservations (services/reconciler/src/infra/sale-write-fence.ts). */
async function bumpFence(pool: Pool, saleId: string): Promise<number> {
  await pool.query('INSERT IGNORE INTO sale_write_fences (sale_id, epoch) VALUES (?, 0)', [saleId]);
  await pool.query('UPDATE sale_write_fences SET epoch = epoch + 1 WHERE sale_id = ?', [saleId]);
  const [rows] = await pool.query<RowDataPacket[]>('SELECT epoch FROM sale_write_fences WHERE sale_id = ?', [saleId]);
  return Number(rows[0]?.epoch);
}

/** The sale's orders as the books hold them, in the shape a rebuild takes (every one still held: none was paid here). */
async function books(pool: Pool, saleId: string): Promise<RebuildOrder[]> {
  const [rows] = await pool.query<RowDataPacket[]>('SELECT id, user_id, quantity, expires_at FROM orders WHERE sale_id = ? ORDER BY id', [saleId]);
  return rows.map((row) => ({
    orderId: String(row.id),
    userId: String(row.user_id),
    quantity: Number(row.quantity),
    state: 'held',
    holdExpiresAtMs: new Date(row.expires_at as string).getTime(),
  }));
}

t.test(
  'an order reserved before Redis was wiped whose write reaches MySQL after the rebuild read the books is refused with 503 SALE_RECOVERING, nothing is sold twice, and its retry is answered by the rebuilt sale',
  async (t) => {
    const h = await orderHarness(t);
    // One connection for the group-commit writer: while the test holds it, the writer waits with
    // its reservation taken, exactly where a slow write (a loaded machine, a WAIT for a replica) waits.
    const batchPool = createMysqlPool(h.db.url, { connectionLimit: 1, multipleStatements: true });
    t.teardown(() => batchPool.end());
    const app = await h.rebuild({ mysqlBatch: batchPool });
    const nowMs = h.clock.now.getTime();
    const sale: SaleDefinition & { armedAtMs: number } = {
      saleId: randomUUID(),
      tenantId: 't1',
      skuId: 'sku-fence',
      stock: 2,
      unitPriceMinor: 1999,
      currency: 'EUR',
      startsAtMs: nowMs - 60_000,
      endsAtMs: nowMs + 3_600_000,
      perUserLimit: 1,
      holdTtlMs: 600_000,
      armedAtMs: nowMs - 60_000,
    };
    await h.reservations.arm(sale);
    const buy = (buyer: string, key: string) => app.inject(placeOrderRequest(h.token({ userId: buyer }), key, { sale_id: sale.saleId, quantity: 1 }));

    t.equal((await buy('early', randomUUID())).statusCode, 201, 'a first buyer takes one of the two units');

    const held = await batchPool.getConnection();
    const lateKey = randomUUID();
    const late = buy('late', lateKey);
    await waitFor(async () => (await h.reservations.view(sale.saleId))?.available === 0, { what: 'the late order to hold the last unit in Redis' });

    // Redis loses everything; the rebuild fences Redis, bumps the write fence, reads the books.
    await deleteMatchingKeys(h.redis, `${h.prefix}*`);
    await h.reservations.rebuild(
      sale,
      (async function* () {
        yield* await books(h.db.pool, sale.saleId);
      })(),
      { fenceWrites: () => bumpFence(h.db.pool, sale.saleId) },
    );
    t.match(await h.reservations.view(sale.saleId), { available: 1, held: 1 }, 'the rebuilt sale knows the early order only');
    held.release();
    const refused = await late;
    t.equal(refused.statusCode, 503, refused.body);
    t.match(refused.json(), { error: { code: 'SALE_RECOVERING', details: { sale_id: sale.saleId } } });
    t.ok(refused.headers['retry-after'], 'with Retry-After');

    const [orders] = await h.db.pool.query<RowDataPacket[]>('SELECT user_id FROM orders WHERE sale_id = ?', [sale.saleId]);
    t.same(
      orders.map((row) => row.user_id),
      ['early'],
      'the late order was not written',
    );
    t.match(await h.reservations.view(sale.saleId), { available: 1, held: 1, sold: 0 }, 'the release of the refused order took nothing from the rebuilt sale');

    const retried = await buy('late', lateKey);
    t.equal(retried.statusCode, 201, `the retry with the same key reserves on the rebuilt sale: ${retried.body}`);
    t.match(await h.reservations.view(sale.saleId), { available: 0, held: 2 });
    const [units] = await h.db.pool.query<RowDataPacket[]>('SELECT SUM(quantity) AS units FROM orders WHERE sale_id = ?', [sale.saleId]);
    t.equal(Number(units[0]?.units), 2, 'the books hold exactly the stock');
    t.equal((await buy('later', randomUUID())).json().error.code, 'SALE_SOLD_OUT', 'and nothing is left to sell twice');
  },
);

t.test('in one batch, the orders reserved before the rebuild are refused and those reserved after it are written', async (t) => {
  const h = await orderHarness(t);
  const batchPool = createMysqlPool(h.db.url, { connectionLimit: 1, multipleStatements: true });
  t.teardown(() => batchPool.end());
  // One batch at a time: while the first waits for the held connection, the others queue into the next.
  const app = await h.rebuild({ mysqlBatch: batchPool, batch: { maxBatchSize: 64, maxConcurrentBatches: 1 } });
  const nowMs = h.clock.now.getTime();
  const sale: SaleDefinition & { armedAtMs: number } = {
    saleId: randomUUID(),
    tenantId: 't1',
    skuId: 'sku-fence',
    stock: 10,
    unitPriceMinor: 1999,
    currency: 'EUR',
    startsAtMs: nowMs - 60_000,
    endsAtMs: nowMs + 3_600_000,
    perUserLimit: 1,
    holdTtlMs: 600_000,
    armedAtMs: nowMs - 60_000,
  };
  await h.reservations.arm(sale);
  const buy = (buyer: string) => app.inject(placeOrderRequest(h.token({ userId: buyer }), randomUUID(), { sale_id: sale.saleId, quantity: 1 }));
  const heldUnits = (units: number) => waitFor(async () => (await h.reservations.view(sale.saleId))?.held === units, { what: `${units} units held` });

  const held = await batchPool.getConnection();
  const first = buy('first');
  await heldUnits(1);
  const before = buy('before');
  await heldUnits(2);
  await h.reservations.rebuild(sale, [], { carryLiveHoldsAtMs: h.clock.now.getTime(), fenceWrites: () => bumpFence(h.db.pool, sale.saleId) });
  const after = [buy('after-1'), buy('after-2')];
  await heldUnits(4);
  held.release();
  const answers = await Promise.all([first, before, ...after]);
  t.same(
    answers.map((answer) => answer.statusCode),
    [503, 503, 201, 201],
  );
  const [orders] = await h.db.pool.query<RowDataPacket[]>('SELECT user_id FROM orders WHERE sale_id = ? ORDER BY user_id', [sale.saleId]);
  t.same(
    orders.map((row) => row.user_id),
    ['after-1', 'after-2'],
  );
  const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  t.match(metrics, /order_write_batches_total\{outcome="committed"[^}]*\} 2\n/, 'two batches: the first order alone, then the three others together');
  t.match(metrics, /order_write_batched_orders_total\{[^}]*\} 2\n/, 'the refused orders are not counted as written');
  t.match(await h.reservations.view(sale.saleId), { available: 8, held: 2 }, 'the holds carried over for the refused orders were given back');
});
