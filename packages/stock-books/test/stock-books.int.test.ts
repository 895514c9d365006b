import { randomUUID } from 'node:crypto';
import { createTestDatabase } from '@flash-sale/testkit';
import type { RowDataPacket } from 'mysql2/promise';
import t from 'tap';
import { appendAudit, returnUnits, stockReturnFor, transitionReservation } from '../src/index.ts';

// The tables as the inventory service's migrations create them.
const inventoryMigrationsDir = new URL('../../../services/inventory/migrations', import.meta.url).pathname;

const db = await createTestDatabase(t.teardown.bind(t), { migrationsDirs: [inventoryMigrationsDir], prefix: 'sb' });

await db.pool.query("INSERT INTO skus (tenant_id, id, name, initial_stock, stock, allocated) VALUES ('tenant-a', 'sku-1', 'Sku', 10, 7, 2)");

async function reserve(orderId: string, quantity: number): Promise<void> {
  await db.pool.query(
    "INSERT INTO stock_reservations (order_id, tenant_id, sale_id, sku_id, quantity, status, committed_at) VALUES (?, 'tenant-a', 'sale-1', 'sku-1', ?, 'committed', CURRENT_TIMESTAMP(6))",
    [orderId, quantity],
  );
}

async function reservationOf(orderId: string) {
  const [rows] = await db.pool.query<RowDataPacket[]>(
    'SELECT status, release_reason, released_at IS NOT NULL AS released, refunded_at IS NOT NULL AS refunded FROM stock_reservations WHERE order_id = ?',
    [orderId],
  );
  return { ...rows[0] };
}

t.test('a committed reservation is released once, and stamped', async (t) => {
  const orderId = randomUUID();
  await reserve(orderId, 2);
  const move = stockReturnFor('expired');
  t.equal(await transitionReservation(db.pool, orderId, 'committed', move.reservation, 'expired'), true);
  t.same(await reservationOf(orderId), { status: 'released', release_reason: 'expired', released: 1, refunded: 0 });
  t.equal(await transitionReservation(db.pool, orderId, 'committed', move.reservation, 'expired'), false, 'a second return is refused');
});

t.test('a refund moves the reservation to refunded with its own stamp', async (t) => {
  const orderId = randomUUID();
  await reserve(orderId, 1);
  t.equal(await transitionReservation(db.pool, orderId, 'committed', stockReturnFor('refunded').reservation, 'refunded'), true);
  t.same(await reservationOf(orderId), { status: 'refunded', release_reason: 'refunded', released: 0, refunded: 1 });
});

t.test('returned units go back to the stock, some of them into the allocation', async (t) => {
  t.equal(await returnUnits(db.pool, 'tenant-a', 'sku-1', 2, 1), true);
  const [rows] = await db.pool.query<RowDataPacket[]>("SELECT stock, allocated FROM skus WHERE tenant_id = 'tenant-a' AND id = 'sku-1'");
  t.same({ ...rows[0] }, { stock: 9, allocated: 3 });
  t.equal(await returnUnits(db.pool, 'tenant-b', 'sku-1', 2, 0), false, "another tenant's SKU of that id is not there");
});

t.test('one audit row per order and operation', async (t) => {
  const refId = randomUUID();
  const entry = {
    tenantId: 'tenant-a',
    skuId: 'sku-1',
    saleId: 'sale-1',
    operation: 'release' as const,
    quantity: 2,
    stockDelta: 2,
    refId,
    eventId: randomUUID(),
  };
  await appendAudit(db.pool, entry);
  await t.rejects(appendAudit(db.pool, entry), { code: 'ER_DUP_ENTRY' });
  const [rows] = await db.pool.query<RowDataPacket[]>('SELECT operation, quantity, stock_delta FROM inventory_audit WHERE ref_id = ?', [refId]);
  t.same(
    rows.map((row) => ({ ...row })),
    [{ operation: 'release', quantity: 2, stock_delta: 2 }],
  );
});
