import { utcEpochMs, type Sql } from '@flash-sale/service-kit';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';

export interface FlashSale {
  id: string;
  tenantId: string;
  skuId: string;
  stock: number;
  unitPriceMinor: number;
  currency: string;
  startsAt: Date;
  endsAt: Date;
  perUserLimit: number;
  holdTtlSeconds: number;
  armedAt: Date | null;
  /** Units of `stock` still reserved for this sale in its SKU's allocation. */
  allocated: number;
  /** When the sale was closed and its unsold allocation returned; null while it is live. */
  endedAt: Date | null;
}

interface SaleRow extends RowDataPacket {
  id: string;
  tenant_id: string;
  sku_id: string;
  stock: number;
  unit_price_minor: string | number;
  currency: string;
  starts_at: string;
  ends_at: string;
  per_user_limit: number;
  hold_ttl_seconds: number;
  armed_at: string | null;
  allocated: number;
  ended_at: string | null;
}

const toSale = (row: SaleRow): FlashSale => ({
  id: row.id,
  tenantId: row.tenant_id,
  skuId: row.sku_id,
  stock: Number(row.stock),
  unitPriceMinor: Number(row.unit_price_minor),
  currency: row.currency,
  startsAt: new Date(utcEpochMs(row.starts_at)),
  endsAt: new Date(utcEpochMs(row.ends_at)),
  perUserLimit: Number(row.per_user_limit),
  holdTtlSeconds: Number(row.hold_ttl_seconds),
  armedAt: row.armed_at === null ? null : new Date(utcEpochMs(row.armed_at)),
  allocated: Number(row.allocated),
  endedAt: row.ended_at === null ? null : new Date(utcEpochMs(row.ended_at)),
});

const saleColumns =
  'id, tenant_id, sku_id, stock, allocated, unit_price_minor, currency, starts_at, ends_at, per_user_limit, hold_ttl_seconds, armed_at, ended_at';

/** A new sale holding `allocated` units of its SKU (allocated in the same transaction). */
export async function insertSale(sql: Sql, sale: Omit<FlashSale, 'armedAt' | 'endedAt'>): Promise<void> {
  await sql.query(
    `INSERT INTO flash_sales (id, tenant_id, sku_id, stock, allocated, unit_price_minor, currency, starts_at, ends_at, per_user_limit, hold_ttl_seconds)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      sale.id,
      sale.tenantId,
      sale.skuId,
      sale.stock,
      sale.allocated,
      sale.unitPriceMinor,
      sale.currency,
      sale.startsAt,
      sale.endsAt,
      sale.perUserLimit,
      sale.holdTtlSeconds,
    ],
  );
}

export async function findSale(sql: Sql, tenantId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<FlashSale | undefined> {
  const [rows] = await sql.query<SaleRow[]>(`SELECT ${saleColumns} FROM flash_sales WHERE tenant_id = ? AND id = ?${options.forUpdate ? ' FOR UPDATE' : ''}`, [
    tenantId,
    id,
  ]);
  return rows[0] && toSale(rows[0]);
}

/**
 * The sale row locked for this transaction, whoever's tenant it is (the consumers check tenancy
 * themselves). Every change of a sale's allocation locks it first, then its SKU: one lock order.
 */
export async function lockSaleForAllocation(sql: Sql, id: string): Promise<FlashSale | undefined> {
  const [rows] = await sql.query<SaleRow[]>(`SELECT ${saleColumns} FROM flash_sales WHERE id = ? FOR UPDATE`, [id]);
  return rows[0] && toSale(rows[0]);
}

export async function changeSaleAllocation(sql: Sql, id: string, delta: number): Promise<void> {
  if (delta === 0) return;
  // Additions only: the column is unsigned.
  const [result] = await sql.query<ResultSetHeader>(
    delta > 0
      ? 'UPDATE flash_sales SET allocated = allocated + ? WHERE id = ?'
      : 'UPDATE flash_sales SET allocated = allocated - ? WHERE id = ? AND allocated >= ?',
    delta > 0 ? [delta, id] : [-delta, id, -delta],
  );
  if (result.affectedRows !== 1) throw new Error(`allocation of sale ${id} could not change by ${delta}`);
}

/**
 * Records the end: the allocation it keeps for open holds, and a window that is over (so arming or
 * rebuilding it later never reopens it). A sale ended before it opened gets a window ending now.
 */
export async function markEnded(sql: Sql, id: string, at: Date, keptAllocation: number): Promise<boolean> {
  const [result] = await sql.query<ResultSetHeader>(
    `UPDATE flash_sales SET ended_at = ?, allocated = ?, ends_at = LEAST(ends_at, ?), starts_at = LEAST(starts_at, ?)
      WHERE id = ? AND ended_at IS NULL`,
    [at, keptAllocation, at, new Date(at.getTime() - 1), id],
  );
  return result.affectedRows === 1;
}

/** Sales of a SKU whose window is over but whose unsold allocation was not returned yet. */
export async function unendedSalesPastWindow(sql: Sql, tenantId: string, skuId: string, now: Date): Promise<string[]> {
  const [rows] = await sql.query<RowDataPacket[]>(
    'SELECT id FROM flash_sales WHERE tenant_id = ? AND sku_id = ? AND ended_at IS NULL AND ends_at <= ? ORDER BY ends_at',
    [tenantId, skuId, now],
  );
  return rows.map((row) => String(row.id));
}

/** Records the first arming only; a later call keeps the original time. */
export async function markArmed(sql: Sql, tenantId: string, id: string, at: Date): Promise<void> {
  await sql.query<ResultSetHeader>('UPDATE flash_sales SET armed_at = ? WHERE tenant_id = ? AND id = ? AND armed_at IS NULL', [at, tenantId, id]);
}
