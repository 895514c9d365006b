import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { toEpochMs, type Sql } from './sql.ts';

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
}

const toSale = (row: SaleRow): FlashSale => ({
  id: row.id,
  tenantId: row.tenant_id,
  skuId: row.sku_id,
  stock: Number(row.stock),
  unitPriceMinor: Number(row.unit_price_minor),
  currency: row.currency,
  startsAt: new Date(toEpochMs(row.starts_at)),
  endsAt: new Date(toEpochMs(row.ends_at)),
  perUserLimit: Number(row.per_user_limit),
  holdTtlSeconds: Number(row.hold_ttl_seconds),
  armedAt: row.armed_at === null ? null : new Date(toEpochMs(row.armed_at)),
});

export async function insertSale(sql: Sql, sale: Omit<FlashSale, 'armedAt'>): Promise<void> {
  await sql.query(
    `INSERT INTO flash_sales (id, tenant_id, sku_id, stock, unit_price_minor, currency, starts_at, ends_at, per_user_limit, hold_ttl_seconds)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [sale.id, sale.tenantId, sale.skuId, sale.stock, sale.unitPriceMinor, sale.currency, sale.startsAt, sale.endsAt, sale.perUserLimit, sale.holdTtlSeconds],
  );
}

export async function findSale(sql: Sql, tenantId: string, id: string): Promise<FlashSale | undefined> {
  const [rows] = await sql.query<SaleRow[]>(
    `SELECT id, tenant_id, sku_id, stock, unit_price_minor, currency, starts_at, ends_at, per_user_limit, hold_ttl_seconds, armed_at
     FROM flash_sales WHERE tenant_id = ? AND id = ?`,
    [tenantId, id],
  );
  return rows[0] && toSale(rows[0]);
}

/** Records the first arming only; a later call keeps the original time. */
export async function markArmed(sql: Sql, tenantId: string, id: string, at: Date): Promise<void> {
  await sql.query<ResultSetHeader>('UPDATE flash_sales SET armed_at = ? WHERE tenant_id = ? AND id = ? AND armed_at IS NULL', [at, tenantId, id]);
}
