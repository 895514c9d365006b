import t from 'tap';
import { inventoryHandlers } from '../src/workers/event-handlers.ts';
import { T0, applyInTransaction, bookState, createInventoryEnv, events, seedArmedSale, TENANT } from './fixtures/inventory-env.ts';

t.test('inventory consumer handlers against real MySQL and Redis', async (t) => {
  const env = await createInventoryEnv(t.teardown.bind(t));
  const handlers = inventoryHandlers({ reservations: env.reservations, now: () => T0 });
  const apply = (type: string, event: Parameters<typeof applyInTransaction>[3]) => applyInTransaction(env.pool, env.logger, handlers[type]!, event);
  const hold = async (sale: { saleId: string }, orderId: string, quantity: number) => {
    const result = await env.reservations.reserve({ saleId: sale.saleId, tenantId: TENANT, orderId, userId: `u-${orderId}`, quantity, nowMs: T0.getTime() });
    if (!result.ok) throw new Error(`reserve refused: ${result.code}`);
  };

  t.test('order.created: one decrement, one audit row, a reservation row, stock.committed, Redis hold committed', async (t) => {
    const sale = await seedArmedSale(env, 10);
    await hold(sale, 'o-created', 2);
    const created = events.created('o-created', sale, 2);
    await apply('order.created.v1', created);
    t.same(await bookState(env.pool, sale.skuId, 'o-created'), {
      stock: 8,
      audit: [{ operation: 'decrease', quantity: 2, stock_delta: -2, ref_id: 'o-created' }],
      reservation: { status: 'committed', quantity: 2 },
      outbox: ['stock.committed.v1'],
    });
    t.same(await env.reservations.view(sale.saleId), { armedStock: 10, available: 8, held: 0, sold: 2 });

    // Applied again without the runtime's dedupe (a second envelope for the same order, or the
    // same one): the reservation row's unique order id refuses the second decrement.
    await apply('order.created.v1', created);
    await apply('order.created.v1', events.created('o-created', sale, 2));
    const after = await bookState(env.pool, sale.skuId, 'o-created');
    t.equal(after.stock, 8, 'decremented once');
    t.equal(after.audit.length, 1, 'one audit row');
    t.same(after.outbox, ['stock.committed.v1'], 'one event');
  });

  t.test('the audit itself refuses a second decrease for the same order and is append-only', async (t) => {
    const sale = await seedArmedSale(env, 5);
    await apply('order.created.v1', events.created('o-audit', sale, 1));
    await t.rejects(
      env.pool.query(
        "INSERT INTO inventory_audit (tenant_id, sku_id, sale_id, operation, quantity, stock_delta, ref_id) VALUES (?, ?, ?, 'decrease', 1, -1, 'o-audit')",
        [TENANT, sale.skuId, sale.saleId],
      ),
      { code: 'ER_DUP_ENTRY' },
    );
    await t.rejects(env.pool.query("UPDATE inventory_audit SET quantity = 9 WHERE ref_id = 'o-audit'"), /append-only/);
    await t.rejects(env.pool.query("DELETE FROM inventory_audit WHERE ref_id = 'o-audit'"), /append-only/);
  });

  t.test('a decrement the books cannot cover is refused terminally and changes nothing', async (t) => {
    const sale = await seedArmedSale(env, 1);
    const outboxBefore = (await bookState(env.pool, sale.skuId)).outbox.length;
    await t.rejects(apply('order.created.v1', events.created('o-too-big', sale, 2)), { name: 'TerminalError' });
    const state = await bookState(env.pool, sale.skuId, 'o-too-big');
    t.same({ stock: state.stock, audit: state.audit, reservation: state.reservation }, { stock: 1, audit: [], reservation: undefined });
    t.equal(state.outbox.length, outboxBefore, 'no event');
  });

  t.test('cancellation before creation: stock ends where it should and the late creation decrements nothing', async (t) => {
    const sale = await seedArmedSale(env, 10);
    await hold(sale, 'o-early-cancel', 3);
    const outboxBefore = (await bookState(env.pool, sale.skuId)).outbox.length;
    await apply('order.cancelled.v1', events.cancelled('o-early-cancel', sale, 3));
    let state = await bookState(env.pool, sale.skuId, 'o-early-cancel');
    t.equal(state.stock, 10, 'the books never moved');
    t.same(state.reservation, { status: 'released_before_created', quantity: 3 });
    t.same(await env.reservations.view(sale.saleId), { armedStock: 10, available: 10, held: 0, sold: 0 }, 'the Redis hold went back');

    await apply('order.created.v1', events.created('o-early-cancel', sale, 3));
    state = await bookState(env.pool, sale.skuId, 'o-early-cancel');
    t.equal(state.stock, 10, 'late creation decremented nothing');
    t.same(state.audit, []);
    t.same(state.reservation, { status: 'released_before_created', quantity: 3 });
    t.same(state.outbox.slice(outboxBefore), ['stock.released.v1'], 'released once, never committed');
    t.same(await env.reservations.view(sale.saleId), { armedStock: 10, available: 10, held: 0, sold: 0 });
  });

  t.test('expiry releases exactly once even when applied twice', async (t) => {
    const sale = await seedArmedSale(env, 10);
    await hold(sale, 'o-expire', 2);
    const outboxBefore = (await bookState(env.pool, sale.skuId)).outbox.length;
    await apply('order.created.v1', events.created('o-expire', sale, 2));
    // Two expiry events: the job ran twice, so these are two envelopes with different ids.
    await apply('order.expired.v1', events.expired('o-expire', sale, 2));
    await apply('order.expired.v1', events.expired('o-expire', sale, 2));
    const state = await bookState(env.pool, sale.skuId, 'o-expire');
    t.equal(state.stock, 10);
    t.same(
      state.audit.map((row) => [row.operation, row.stock_delta]),
      [
        ['decrease', -2],
        ['release', 2],
      ],
    );
    t.same(state.reservation, { status: 'released', quantity: 2 });
    t.same(state.outbox.slice(outboxBefore), ['stock.committed.v1', 'stock.released.v1']);
    t.same(await env.reservations.view(sale.saleId), { armedStock: 10, available: 10, held: 0, sold: 0 });
    // A cancellation arriving after the expiry changes nothing either.
    await apply('order.cancelled.v1', events.cancelled('o-expire', sale, 2));
    t.equal((await bookState(env.pool, sale.skuId)).stock, 10);
  });

  t.test('refund: audited once; stock back only with restock', async (t) => {
    const sale = await seedArmedSale(env, 10);
    await hold(sale, 'o-refund-restock', 2);
    await hold(sale, 'o-refund-keep', 1);
    await apply('order.created.v1', events.created('o-refund-restock', sale, 2));
    await apply('order.created.v1', events.created('o-refund-keep', sale, 1));
    t.equal((await bookState(env.pool, sale.skuId)).stock, 7);

    await apply('order.refunded.v1', events.refunded('o-refund-restock', sale, 2, true));
    await apply('order.refunded.v1', events.refunded('o-refund-restock', sale, 2, true));
    await apply('order.refunded.v1', events.refunded('o-refund-keep', sale, 1, false));
    const state = await bookState(env.pool, sale.skuId, 'o-refund-restock');
    t.equal(state.stock, 9, 'only the restocked refund came back');
    t.same(
      state.audit.filter((row) => row.operation === 'refund').map((row) => [row.ref_id, row.quantity, row.stock_delta]),
      [
        ['o-refund-restock', 2, 2],
        ['o-refund-keep', 1, 0],
      ],
    );
    t.same(state.reservation, { status: 'refunded', quantity: 2 });
    t.same(await env.reservations.view(sale.saleId), { armedStock: 10, available: 9, held: 0, sold: 1 });
    // initial_stock + SUM(stock_delta) = stock: the fold the reconciler relies on.
    t.equal(10 + state.audit.reduce((sum, row) => sum + row.stock_delta, 0), state.stock);

    await t.rejects(apply('order.refunded.v1', events.refunded('o-unknown', sale, 1, true)), { name: 'RetryableError' });
  });
});
