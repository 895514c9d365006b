import { signToken } from '@flash-sale/service-kit';
import { rebuildKeys } from '@flash-sale/stock-reservations';
import type { RowDataPacket } from 'mysql2/promise';
import t from 'tap';
import { inventoryHandlers } from '../src/workers/event-handlers.ts';
import { T0, TENANT, applyInTransaction, createInventoryEnv, inventoryApp, events } from './fixtures/inventory-env.ts';

t.test('sale allocations against real MySQL and Redis', async (t) => {
  const env = await createInventoryEnv(t.teardown.bind(t));
  let now = new Date(T0.getTime() - 60_000);
  const app = await inventoryApp(t.teardown.bind(t), env, {
    // One ops user drives every request here; the per-caller budget is not what these tests check.
    rateLimits: { perPrincipal: { max: 100_000, windowMs: 60_000 } },
    now: () => now,
  });
  const handlers = inventoryHandlers({ reservations: env.reservations, now: () => now });
  const deliver = (type: string, event: Parameters<typeof applyInTransaction>[3]) => applyInTransaction(env.pool, env.logger, handlers[type]!, event);

  const ops = `Bearer ${signToken(app, { userId: 'ops-1', tenantId: TENANT, roles: ['ops'] })}`;
  const otherTenantOps = `Bearer ${signToken(app, { userId: 'ops-2', tenantId: 't2', roles: ['ops'] })}`;
  const shopper = `Bearer ${signToken(app, { userId: 'u1', tenantId: TENANT, roles: ['shopper'] })}`;
  const call = (method: 'GET' | 'POST', url: string, authorization: string, payload?: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method, url, headers: { authorization, ...headers }, ...(payload === undefined ? {} : { payload: payload as object }) });

  let skuSeq = 0;
  const newSku = async (stock: number) => {
    skuSeq += 1;
    const id = `sku-alloc-${skuSeq}`;
    const created = await call('POST', '/v1/admin/skus', ops, { id, name: `SKU ${skuSeq}`, stock });
    if (created.statusCode !== 201) throw new Error(created.body);
    return id;
  };
  const saleBody = (skuId: string, stock: number) => ({
    sku_id: skuId,
    stock,
    unit_price_minor: 1999,
    currency: 'EUR',
    starts_at: T0.toISOString(),
    ends_at: new Date(T0.getTime() + 3600_000).toISOString(),
    per_user_limit: 2,
    hold_ttl_seconds: 600,
  });
  const newSale = async (skuId: string, stock: number) => {
    const created = await call('POST', '/v1/admin/sales', ops, saleBody(skuId, stock));
    if (created.statusCode !== 201) throw new Error(created.body);
    const id = created.json<{ id: string }>().id;
    const armed = await call('POST', `/v1/admin/sales/${id}/arm`, ops);
    if (armed.statusCode !== 200) throw new Error(armed.body);
    return { saleId: id, skuId };
  };
  const books = async (skuId: string) => {
    const [skus] = await env.pool.query<RowDataPacket[]>('SELECT initial_stock, stock, allocated FROM skus WHERE tenant_id = ? AND id = ?', [TENANT, skuId]);
    const [sales] = await env.pool.query<RowDataPacket[]>(
      'SELECT COALESCE(SUM(allocated), 0) AS allocated, COUNT(*) AS sales FROM flash_sales WHERE tenant_id = ? AND sku_id = ?',
      [TENANT, skuId],
    );
    const [audit] = await env.pool.query<RowDataPacket[]>('SELECT operation, stock_delta FROM inventory_audit WHERE tenant_id = ? AND sku_id = ? ORDER BY id', [
      TENANT,
      skuId,
    ]);
    const [committed] = await env.pool.query<RowDataPacket[]>(
      "SELECT COALESCE(SUM(quantity), 0) AS units FROM stock_reservations WHERE tenant_id = ? AND sku_id = ? AND status = 'committed'",
      [TENANT, skuId],
    );
    const sku = skus[0]!;
    return {
      stock: Number(sku.stock),
      allocated: Number(sku.allocated),
      salesAllocated: Number(sales[0]!.allocated),
      sales: Number(sales[0]!.sales),
      folded: Number(sku.initial_stock) + audit.reduce((sum, row) => sum + Number(row.stock_delta), 0),
      auditRows: audit.map((row) => String(row.operation)),
      committedUnits: Number(committed[0]!.units),
    };
  };
  const reserve = (sale: { saleId: string }, orderId: string, quantity = 1, atMs = T0.getTime() + 1000) =>
    env.reservations.reserve({ saleId: sale.saleId, tenantId: TENANT, orderId, userId: `user-${orderId}`, quantity, nowMs: atMs });

  t.test(
    'two sales over one SKU created at the same moment: exactly one fits, the other is refused with 409 SKU_STOCK_ALLOCATED and leaves nothing behind',
    async (t) => {
      const skuId = await newSku(5);
      const [first, second] = await Promise.all([
        call('POST', '/v1/admin/sales', ops, saleBody(skuId, 5)),
        call('POST', '/v1/admin/sales', ops, saleBody(skuId, 5)),
      ]);
      t.same([first.statusCode, second.statusCode].sort(), [201, 409]);
      const refused = first.statusCode === 409 ? first : second;
      t.same(refused.json(), {
        error: {
          code: 'SKU_STOCK_ALLOCATED',
          message: 'the SKU stock not yet allocated to other sales cannot cover this sale',
          details: { sku_id: skuId, sku_stock: 5, allocated: 5, unallocated: 0, requested: 5 },
        },
      });
      t.match(await books(skuId), { stock: 5, allocated: 5, salesAllocated: 5, sales: 1 });

      // Many at once: 3 units each over 10 units fit three times, whatever the interleaving.
      const wide = await newSku(10);
      const answers = await Promise.all(Array.from({ length: 8 }, () => call('POST', '/v1/admin/sales', ops, saleBody(wide, 3))));
      t.equal(answers.filter((answer) => answer.statusCode === 201).length, 3, 'three sales fit');
      t.equal(answers.filter((answer) => answer.statusCode === 409).length, 5, 'the others are refused');
      t.match(await books(wide), { stock: 10, allocated: 9, salesAllocated: 9, sales: 3 });
    },
  );

  t.test('two sales of one SKU with many concurrent buyers sell at most the SKU stock: no order is dead-lettered and the books balance', async (t) => {
    const skuId = await newSku(10);
    const saleA = await newSale(skuId, 6);
    t.equal((await call('POST', '/v1/admin/sales', ops, saleBody(skuId, 6))).statusCode, 409, 'a second sale of 6 does not fit beside the first');
    const saleB = await newSale(skuId, 4);

    const buyers = Array.from({ length: 120 }, (_, i) => ({ orderId: `o-flow-${i}`, sale: i % 2 === 0 ? saleA : saleB }));
    const answers = await Promise.all(buyers.map(async (buyer) => ({ ...buyer, result: await reserve(buyer.sale, buyer.orderId) })));
    const accepted = answers.filter((answer) => answer.result.ok);
    t.equal(accepted.length, 10, 'the reservations accepted exactly the SKU stock across both sales');
    t.equal(accepted.filter((answer) => answer.sale === saleA).length, 6);
    t.equal(accepted.filter((answer) => answer.sale === saleB).length, 4);

    // Each accepted order's `order.created` through the inventory consumer: none may be refused.
    const delivered = await Promise.allSettled(accepted.map((answer) => deliver('order.created.v1', events.created(answer.orderId, answer.sale, 1))));
    t.same(
      delivered.filter((outcome) => outcome.status === 'rejected'),
      [],
      'nothing dead-lettered',
    );
    const state = await books(skuId);
    t.match(state, { stock: 0, allocated: 0, salesAllocated: 0, committedUnits: 10 });
    t.equal(state.folded, state.stock, 'initial_stock + SUM(stock_delta) = stock');
    t.same(await env.reservations.view(saleA.saleId), { armedStock: 6, available: 0, held: 0, sold: 6 });
    t.same(await env.reservations.view(saleB.saleId), { armedStock: 4, available: 0, held: 0, sold: 4 });

    // A cancellation gives a unit back to its live sale: allocated to it again, sold again once.
    await deliver('order.cancelled.v1', events.cancelled(accepted[0]!.orderId, accepted[0]!.sale, 1));
    t.match(await books(skuId), { stock: 1, allocated: 1, salesAllocated: 1 });
    t.equal((await call('POST', '/v1/admin/sales', ops, saleBody(skuId, 1))).statusCode, 409, 'the returned unit belongs to its sale, not to a new one');
    const again = await reserve(accepted[0]!.sale, 'o-flow-again');
    t.equal(again.ok, true);
    await deliver('order.created.v1', events.created('o-flow-again', accepted[0]!.sale, 1));
    t.match(await books(skuId), { stock: 0, allocated: 0, salesAllocated: 0, committedUnits: 10 });
  });

  t.test('ending a sale closes it, keeps only what open holds may take, returns the rest, and a new sale fits', async (t) => {
    const skuId = await newSku(10);
    const sale = await newSale(skuId, 10);
    t.ok((await reserve(sale, 'o-end-sold')).ok);
    await deliver('order.created.v1', events.created('o-end-sold', sale, 1));
    t.ok((await reserve(sale, 'o-end-paid-later', 2)).ok);
    t.ok((await reserve(sale, 'o-end-expires', 1)).ok);
    t.equal((await call('POST', '/v1/admin/sales', ops, saleBody(skuId, 1))).statusCode, 409, 'nothing is free before the end');

    now = new Date(T0.getTime() + 5000);
    const ended = await call('POST', `/v1/admin/sales/${sale.saleId}/end`, ops);
    t.equal(ended.statusCode, 200, ended.body);
    t.match(ended.json(), {
      ended: true,
      returned_units: 6,
      sale: { allocated: 3, ended_at: now.toISOString(), ends_at: now.toISOString() },
      redis: { held: 3, sold: 1, available: 6 },
    });
    t.match(await books(skuId), { stock: 9, allocated: 3, salesAllocated: 3 });
    const late = await reserve(sale, 'o-end-too-late', 1, now.getTime() + 1);
    t.same(late, { ok: false, code: 'SALE_ENDED', remaining: 6 }, 'no reservation after the end');

    const again = await call('POST', `/v1/admin/sales/${sale.saleId}/end`, ops);
    t.match(again.json(), { ended: false, returned_units: 0 }, 'ending twice returns nothing twice');

    const fits = await call('POST', '/v1/admin/sales', ops, saleBody(skuId, 6));
    t.equal(fits.statusCode, 201, 'the returned units fit a new sale');
    t.equal((await call('POST', '/v1/admin/sales', ops, saleBody(skuId, 1))).statusCode, 409, 'the open holds still own theirs');

    // The open holds resolve after the end: one is bought from the kept units, one expires and
    // gives its unit back to the SKU instead of leaking it.
    await deliver('order.created.v1', events.created('o-end-paid-later', sale, 2));
    await deliver('order.expired.v1', events.expired('o-end-expires', sale, 1));
    await deliver('order.created.v1', events.created('o-end-expires', sale, 1));
    const state = await books(skuId);
    t.match(state, { stock: 7, allocated: 6, salesAllocated: 6 });
    t.equal(state.folded, state.stock);
    t.equal((await call('POST', '/v1/admin/sales', ops, saleBody(skuId, 1))).statusCode, 201, 'the expired hold’s unit is free again');
  });

  t.test(
    'a sale whose Redis keys are being rebuilt or are gone is not ended: 503 with Retry-After, then 409 SALE_NEEDS_REBUILD, its allocation untouched',
    async (t) => {
      now = new Date(T0.getTime() + 5000);
      const skuId = await newSku(3);
      const sale = await newSale(skuId, 3);
      const lock = rebuildKeys(env.prefix, sale.saleId).lock;
      await env.redis.set(lock, 'a-rebuild-in-progress', 'PX', 60_000);
      const rebuilding = await call('POST', `/v1/admin/sales/${sale.saleId}/end`, ops);
      t.equal(rebuilding.statusCode, 503);
      t.equal(rebuilding.headers['retry-after'], '1');
      t.equal(rebuilding.json().error.code, 'SALE_REBUILDING');
      await env.redis.del(lock);

      await env.redis.del(...Object.values(env.reservations.keys(sale.saleId)));
      const lost = await call('POST', `/v1/admin/sales/${sale.saleId}/end`, ops);
      t.equal(lost.statusCode, 409);
      t.equal(lost.json().error.code, 'SALE_NEEDS_REBUILD');
      t.match(await books(skuId), { allocated: 3, salesAllocated: 3 });
      const [row] = await env.pool.query<RowDataPacket[]>('SELECT ended_at FROM flash_sales WHERE id = ?', [sale.saleId]);
      t.equal(row[0]!.ended_at, null, 'still live in the books');
    },
  );

  t.test('a sale whose window has passed stops counting its unsold units when the next sale of its SKU is created', async (t) => {
    now = new Date(T0.getTime() - 60_000);
    const skuId = await newSku(4);
    const sale = await newSale(skuId, 4);
    t.ok((await reserve(sale, 'o-window-sold')).ok);
    await deliver('order.created.v1', events.created('o-window-sold', sale, 1));
    t.equal((await call('POST', '/v1/admin/sales', ops, saleBody(skuId, 1))).statusCode, 409);

    now = new Date(T0.getTime() + 3600_000 + 1);
    const next = await call('POST', '/v1/admin/sales', ops, {
      ...saleBody(skuId, 3),
      starts_at: now.toISOString(),
      ends_at: new Date(now.getTime() + 3600_000).toISOString(),
    });
    t.equal(next.statusCode, 201, next.body);
    const [ended] = await env.pool.query<RowDataPacket[]>('SELECT allocated, ended_at FROM flash_sales WHERE id = ?', [sale.saleId]);
    t.equal(Number(ended[0]!.allocated), 0, 'the ended sale keeps nothing');
    t.ok(ended[0]!.ended_at, 'and is recorded as ended');
    t.match(await books(skuId), { stock: 3, allocated: 3, salesAllocated: 3 });
  });

  t.test('restock adds units with one audit row; a retry with its key replays; the key with another request is 409', async (t) => {
    now = new Date(T0.getTime() - 60_000);
    const skuId = await newSku(2);
    await newSale(skuId, 2);
    const key = { 'idempotency-key': `restock-${skuId}` };
    const first = await call('POST', `/v1/admin/skus/${skuId}/restock`, ops, { quantity: 5, reason: 'supplier delivery 42' }, key);
    t.equal(first.statusCode, 201, first.body);
    t.match(first.json(), {
      replayed: false,
      restock: { sku_id: skuId, quantity: 5, reason: 'supplier delivery 42' },
      sku: { stock: 7, allocated: 2, initial_stock: 2 },
    });
    const replay = await call('POST', `/v1/admin/skus/${skuId}/restock`, ops, { quantity: 5, reason: 'supplier delivery 42' }, key);
    t.equal(replay.statusCode, 200);
    t.match(replay.json(), { replayed: true, restock: { id: first.json<{ restock: { id: string } }>().restock.id } });
    const reused = await call('POST', `/v1/admin/skus/${skuId}/restock`, ops, { quantity: 6, reason: 'supplier delivery 42' }, key);
    t.equal(reused.statusCode, 409);
    t.equal(reused.json().error.code, 'IDEMPOTENCY_KEY_REUSED');

    const state = await books(skuId);
    t.match(state, { stock: 7, allocated: 2, auditRows: ['restock'] });
    t.equal(state.folded, state.stock, 'initial_stock + SUM(stock_delta) = stock');
    const [audit] = await env.pool.query<RowDataPacket[]>(
      "SELECT quantity, stock_delta, sale_id, ref_id FROM inventory_audit WHERE sku_id = ? AND operation = 'restock'",
      [skuId],
    );
    t.same(
      audit.map((row) => [Number(row.quantity), Number(row.stock_delta), row.sale_id]),
      [[5, 5, null]],
    );
    t.equal((await call('POST', '/v1/admin/sales', ops, saleBody(skuId, 5))).statusCode, 201, 'restocked units are free to allocate');
  });

  t.test('bad input is a 4xx in the error contract and changes nothing', async (t) => {
    now = new Date(T0.getTime() - 60_000);
    const skuId = await newSku(3);
    const sale = await newSale(skuId, 2);
    const before = await books(skuId);
    const key = { 'idempotency-key': 'bad-input-key' };
    const restock = (body: unknown, authorization = ops, headers: Record<string, string> = key, sku = skuId) =>
      call('POST', `/v1/admin/skus/${sku}/restock`, authorization, body, headers);

    const cases: [string, Awaited<ReturnType<typeof call>>, number, string][] = [
      ['quantity as a string', await restock({ quantity: '5', reason: 'x' }), 400, 'VALIDATION_FAILED'],
      ['negative quantity', await restock({ quantity: -1, reason: 'x' }), 400, 'VALIDATION_FAILED'],
      ['zero quantity', await restock({ quantity: 0, reason: 'x' }), 400, 'VALIDATION_FAILED'],
      ['fractional quantity', await restock({ quantity: 1.5, reason: 'x' }), 400, 'VALIDATION_FAILED'],
      ['no reason', await restock({ quantity: 1 }), 400, 'VALIDATION_FAILED'],
      ['unknown field', await restock({ quantity: 1, reason: 'x', stock: 9 }), 400, 'VALIDATION_FAILED'],
      ['no idempotency key', await restock({ quantity: 1, reason: 'x' }, ops, {}), 400, 'VALIDATION_FAILED'],
      ['unknown SKU', await restock({ quantity: 1, reason: 'x' }, ops, key, 'sku-nope'), 404, 'NOT_FOUND'],
      ['another tenant', await restock({ quantity: 1, reason: 'x' }, otherTenantOps), 404, 'NOT_FOUND'],
      ['a shopper', await restock({ quantity: 1, reason: 'x' }, shopper), 403, 'FORBIDDEN'],
      ['sale stock as a string', await call('POST', '/v1/admin/sales', ops, { ...saleBody(skuId, 1), stock: '1' }), 400, 'VALIDATION_FAILED'],
      ['negative sale stock', await call('POST', '/v1/admin/sales', ops, { ...saleBody(skuId, 1), stock: -1 }), 400, 'VALIDATION_FAILED'],
      ['sale of another tenant’s SKU', await call('POST', '/v1/admin/sales', otherTenantOps, saleBody(skuId, 1)), 404, 'NOT_FOUND'],
      ['end: not a uuid', await call('POST', '/v1/admin/sales/not-a-uuid/end', ops), 400, 'VALIDATION_FAILED'],
      ['end: unknown sale', await call('POST', '/v1/admin/sales/00000000-0000-4000-8000-000000000000/end', ops), 404, 'NOT_FOUND'],
      ['end: another tenant', await call('POST', `/v1/admin/sales/${sale.saleId}/end`, otherTenantOps), 404, 'NOT_FOUND'],
      ['end: a shopper', await call('POST', `/v1/admin/sales/${sale.saleId}/end`, shopper), 403, 'FORBIDDEN'],
    ];
    for (const [what, response, status, code] of cases) {
      t.equal(response.statusCode, status, `${what}: ${response.body}`);
      t.match(response.json(), { error: { code, message: String, details: Object } }, what);
    }
    t.same(await books(skuId), before, 'stock, allocation, sales and audit unchanged');
    const [restocks] = await env.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM sku_restocks WHERE sku_id = ?', [skuId]);
    t.equal(Number(restocks[0]!.n), 0, 'no restock recorded');
    t.match(await env.reservations.view(sale.saleId), { available: 2 }, 'the sale is still open');
    t.equal((await reserve(sale, 'o-still-open')).ok, true);
  });
});
