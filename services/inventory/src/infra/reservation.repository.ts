import { isDuplicateKey, type Sql } from '@flash-sale/service-kit';
import type { ReservationStatus } from '@flash-sale/stock-books';
import type { RowDataPacket } from 'mysql2/promise';

// The guarded return of a reservation is shared with the reconciler's stock return.
export { transitionReservation, type ReservationStatus } from '@flash-sale/stock-books';

export interface ReservationKey {
  orderId: string;
  tenantId: string;
  saleId: string;
  skuId: string;
  quantity: number;
}

export interface Reservation extends ReservationKey {
  status: ReservationStatus;
}

interface ReservationRow extends RowDataPacket {
  order_id: string;
  tenant_id: string;
  sale_id: string;
  sku_id: string;
  quantity: number;
  status: ReservationStatus;
}

/**
 * Inserts the order's row (insert first, never check-then-insert). Returns the row that already
 * exists, locked for this transaction, when the order was seen before.
 */
export async function insertReservation(
  sql: Sql,
  key: ReservationKey,
  status: 'committed' | 'released_before_created',
  reason: string | null,
): Promise<{ inserted: true } | { inserted: false; existing: Reservation }> {
  try {
    await sql.query(
      `INSERT INTO stock_reservations (order_id, tenant_id, sale_id, sku_id, quantity, status, release_reason, committed_at, released_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, IF(? = 'committed', CURRENT_TIMESTAMP(6), NULL), IF(? = 'committed', NULL, CURRENT_TIMESTAMP(6)))`,
      [key.orderId, key.tenantId, key.saleId, key.skuId, key.quantity, status, reason, status, status],
    );
    return { inserted: true };
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
  }
  const existing = await lockReservation(sql, key.orderId);
  if (!existing) throw new Error(`reservation ${key.orderId} vanished after a duplicate key`);
  return { inserted: false, existing };
}

/**
 * Several orders' `committed` rows in one statement. Any order seen before fails it whole with a
 * duplicate key (nothing inserted); callers then go order by order with `insertReservation`.
 */
const CURRENT_TIMESTAMP = { toSqlString: () => 'CURRENT_TIMESTAMP(6)' };

export async function insertCommittedReservations(sql: Sql, keys: readonly ReservationKey[]): Promise<void> {
  await sql.query(
    `INSERT INTO stock_reservations (order_id, tenant_id, sale_id, sku_id, quantity, status, release_reason, committed_at, released_at) VALUES ?`,
    [keys.map((key) => [key.orderId, key.tenantId, key.saleId, key.skuId, key.quantity, 'committed', null, CURRENT_TIMESTAMP, null])],
  );
}

export async function lockReservation(sql: Sql, orderId: string): Promise<Reservation | undefined> {
  const [rows] = await sql.query<ReservationRow[]>(
    'SELECT order_id, tenant_id, sale_id, sku_id, quantity, status FROM stock_reservations WHERE order_id = ? FOR UPDATE',
    [orderId],
  );
  const row = rows[0];
  return row && { orderId: row.order_id, tenantId: row.tenant_id, saleId: row.sale_id, skuId: row.sku_id, quantity: Number(row.quantity), status: row.status };
}

interface CountRow extends RowDataPacket {
  status: ReservationStatus;
  orders: string | number;
  quantity: string | number;
}

export async function reservationCountsForSale(
  sql: Sql,
  tenantId: string,
  saleId: string,
): Promise<Record<ReservationStatus, { orders: number; quantity: number }>> {
  const [rows] = await sql.query<CountRow[]>(
    'SELECT status, COUNT(*) AS orders, SUM(quantity) AS quantity FROM stock_reservations WHERE sale_id = ? AND tenant_id = ? GROUP BY status',
    [saleId, tenantId],
  );
  const counts = {
    committed: { orders: 0, quantity: 0 },
    released: { orders: 0, quantity: 0 },
    released_before_created: { orders: 0, quantity: 0 },
    refunded: { orders: 0, quantity: 0 },
  };
  for (const row of rows) counts[row.status] = { orders: Number(row.orders), quantity: Number(row.quantity) };
  return counts;
}
