// The inventory-stock replay: idempotent and trusted on healthy books; on a corrupted projection it
// reports the changes, stays untrusted until applied, and is trusted after the repair.
import type { RowDataPacket } from 'mysql2/promise';
import t from 'tap';
import { replayInventoryStock } from '../src/application/replay/inventory-stock.replay.ts';
import { createFixture } from './support/reconciler-fixture.ts';

t.test('a replay run twice changes nothing and is trusted', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const sale = await f.seedSale({ stock: 5 });
  for (const quantity of [1, 2]) await f.commitStock(sale, await f.placeOrder(sale, { quantity }));
  const first = await replayInventoryStock(f.deps, {}, { apply: true });
  const second = await replayInventoryStock(f.deps, {}, { apply: true });
  for (const run of [first, second]) {
    t.same(run.evidence, { events_processed: 2, duplicates_skipped: 0, projections_changed: 0, reconciliation_failures: 0, confidence_status: 'trusted' });
  }
  const [stored] = await f.reconciler.pool.query<RowDataPacket[]>('SELECT confidence_status, projections_changed FROM replay_runs ORDER BY id');
  t.same(
    stored.map((row) => [row.confidence_status, Number(row.projections_changed)]),
    [
      ['trusted', 0],
      ['trusted', 0],
    ],
  );
});

t.test('a corrupted projection: reported, untrusted, repaired on request, then trusted', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const sale = await f.seedSale({ stock: 5 });
  const orderId = await f.placeOrder(sale, { quantity: 2 });
  await f.commitStock(sale, orderId);
  await f.inventory.pool.query('UPDATE skus SET stock = 4 WHERE id = ?', [sale.skuId]);
  await f.inventory.pool.query("UPDATE stock_reservations SET status = 'released' WHERE order_id = ?", [orderId]);

  const dryRun = await replayInventoryStock(f.deps, { tenantId: sale.tenantId, skuId: sale.skuId }, { apply: false });
  t.equal(dryRun.evidence.projections_changed, 2);
  t.equal(dryRun.evidence.confidence_status, 'untrusted');
  t.ok(dryRun.evidence.reconciliation_failures > 0);
  t.same(dryRun.changes.map((change) => change.kind).sort(), ['reservation_status', 'sku_stock']);
  const [untouched] = await f.inventory.pool.query<RowDataPacket[]>('SELECT stock FROM skus WHERE id = ?', [sale.skuId]);
  t.equal(Number(untouched[0]?.stock), 4, 'a dry run changes nothing');

  const repair = await replayInventoryStock(f.deps, { tenantId: sale.tenantId, skuId: sale.skuId }, { apply: true });
  t.equal(repair.evidence.projections_changed, 2);
  t.equal(repair.evidence.confidence_status, 'trusted');
  const [repaired] = await f.inventory.pool.query<RowDataPacket[]>('SELECT stock FROM skus WHERE id = ?', [sale.skuId]);
  t.equal(Number(repaired[0]?.stock), 3);
  const again = await replayInventoryStock(f.deps, { tenantId: sale.tenantId, skuId: sale.skuId }, { apply: true });
  t.match(again.evidence, { projections_changed: 0, confidence_status: 'trusted' });
});

t.test('an audit longer than one page is folded whole: every row counted once, a drift in its last page found', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const sale = await f.seedSale({ stock: 3000 });
  // 2,500 committed orders as the inventory consumer leaves them, written in bulk (sequence engine).
  await f.inventory.pool.query(
    `INSERT INTO stock_reservations (order_id, tenant_id, sale_id, sku_id, quantity, status, committed_at)
     SELECT CONCAT('bulk-', LPAD(seq, 5, '0')), ?, ?, ?, 1, 'committed', NOW(6) FROM seq_1_to_2500`,
    [sale.tenantId, sale.saleId, sale.skuId],
  );
  await f.inventory.pool.query(
    `INSERT INTO inventory_audit (tenant_id, sku_id, sale_id, operation, quantity, stock_delta, ref_id, event_id)
     SELECT ?, ?, ?, 'decrease', 1, -1, CONCAT('bulk-', LPAD(seq, 5, '0')), UUID() FROM seq_1_to_2500`,
    [sale.tenantId, sale.skuId, sale.saleId],
  );
  await f.inventory.pool.query('UPDATE skus SET stock = stock - 2500 WHERE id = ?', [sale.skuId]);
  t.match((await replayInventoryStock(f.deps, {}, { apply: false })).evidence, {
    events_processed: 2500,
    duplicates_skipped: 0,
    projections_changed: 0,
    confidence_status: 'trusted',
  });

  await f.inventory.pool.query("UPDATE stock_reservations SET status = 'released' WHERE order_id = 'bulk-02499'");
  const drifted = await replayInventoryStock(f.deps, {}, { apply: false });
  t.same(drifted.changes, [{ kind: 'reservation_status', orderId: 'bulk-02499', live: 'released', projected: 'committed' }]);
});
