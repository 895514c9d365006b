// The reconciler's stock return follows the sale allocation rule (docs/adr/0005-sale-allocations.md)
// as the inventory consumers do: units back in a live sale rejoin its allocation; a hold of an ended
// sale gives the allocation it kept back to the SKU.
import { randomUUID } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import t from 'tap';
import { returnStock } from '../src/application/repairs/return-stock.ts';
import { createFixture, type Fixture, type SeededSale } from './support/reconciler-fixture.ts';

async function allocation(f: Fixture, sale: SeededSale) {
  const [skus] = await f.inventory.pool.query<RowDataPacket[]>('SELECT stock, allocated FROM skus WHERE id = ?', [sale.skuId]);
  const [sales] = await f.inventory.pool.query<RowDataPacket[]>('SELECT allocated FROM flash_sales WHERE id = ?', [sale.saleId]);
  return { stock: Number(skus[0]?.stock), skuAllocated: Number(skus[0]?.allocated), saleAllocated: Number(sales[0]?.allocated) };
}

/** What the inventory consumer does with `order.created` under allocations: out of stock and allocation together. */
async function sell(f: Fixture, sale: SeededSale, orderId: string) {
  await f.inventory.pool.query(
    "INSERT INTO stock_reservations (order_id, tenant_id, sale_id, sku_id, quantity, status, committed_at) VALUES (?, ?, ?, ?, 1, 'committed', NOW(6))",
    [orderId, sale.tenantId, sale.saleId, sale.skuId],
  );
  await f.inventory.pool.query('UPDATE skus SET stock = stock - 1, allocated = allocated - 1 WHERE id = ?', [sale.skuId]);
  await f.inventory.pool.query('UPDATE flash_sales SET allocated = allocated - 1 WHERE id = ?', [sale.saleId]);
  await f.inventory.pool.query(
    "INSERT INTO inventory_audit (tenant_id, sku_id, sale_id, operation, quantity, stock_delta, ref_id, event_id) VALUES (?, ?, ?, 'decrease', 1, -1, ?, ?)",
    [sale.tenantId, sale.skuId, sale.saleId, orderId, randomUUID()],
  );
  await f.reservations.commit({ saleId: sale.saleId, orderId });
}

t.test('stock the reconciler gives back rejoins a live sale’s allocation, and an ended sale’s released hold frees what it kept', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const sale = await f.seedSale({ stock: 5 });
  await f.inventory.pool.query('UPDATE skus SET allocated = 5 WHERE id = ?', [sale.skuId]);
  await f.inventory.pool.query('UPDATE flash_sales SET allocated = 5 WHERE id = ?', [sale.saleId]);
  const line = (orderId: string) => ({ orderId, tenantId: sale.tenantId, saleId: sale.saleId, skuId: sale.skuId, quantity: 1 });

  const sold = await f.placeOrder(sale);
  await sell(f, sale, sold);
  t.same(await allocation(f, sale), { stock: 4, skuAllocated: 4, saleAllocated: 4 });
  t.same(await returnStock(f.deps, line(sold), 'expired', true), { books: true, redis: true });
  t.same(await allocation(f, sale), { stock: 5, skuAllocated: 5, saleAllocated: 5 }, 'the live sale can sell the unit again, so it is allocated to it again');

  // The sale ended while one hold was open: it kept one unit for it (as POST …/end does).
  const held = await f.placeOrder(sale);
  await f.inventory.pool.query('UPDATE flash_sales SET ended_at = NOW(3), allocated = 1 WHERE id = ?', [sale.saleId]);
  await f.inventory.pool.query('UPDATE skus SET allocated = 1 WHERE id = ?', [sale.skuId]);
  t.same(await returnStock(f.deps, line(held), 'expired', true), { books: true, redis: true });
  t.same(await allocation(f, sale), { stock: 5, skuAllocated: 0, saleAllocated: 0 }, 'the hold is gone, so is the unit it kept');
  t.same(await returnStock(f.deps, line(held), 'expired', true), { books: false, redis: false }, 'a second return changes nothing');
  t.same(await allocation(f, sale), { stock: 5, skuAllocated: 0, saleAllocated: 0 });
});
