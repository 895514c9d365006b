/**
 * What a shopper may read of a tenant's sales: the sale with its SKU's name, and the sales that
 * have not ended, in the order they open. Only `application/sale-catalog.ts` calls these, behind
 * its cache.
 */
import { utcEpochMs, type Sql } from '@flash-sale/service-kit';
import type { RowDataPacket } from 'mysql2/promise';

export interface PublicSaleRow {
  id: string;
  skuId: string;
  name: string;
  unitPriceMinor: number;
  currency: string;
  startsAtMs: number;
  endsAtMs: number;
  perUserLimit: number;
  /** Units of the sale not sold yet, as the books know them (docs/adr/0005-sale-allocations.md). */
  allocated: number;
  /** True once the sale was closed and its unsold allocation returned. */
  ended: boolean;
}

interface Row extends RowDataPacket {
  id: string;
  sku_id: string;
  name: string;
  unit_price_minor: string | number;
  currency: string;
  starts_at: string;
  ends_at: string;
  per_user_limit: number;
  allocated: number;
  ended_at: string | null;
}

const columns = 'f.id, f.sku_id, s.name, f.unit_price_minor, f.currency, f.starts_at, f.ends_at, f.per_user_limit, f.allocated, f.ended_at';
const fromSalesWithSku = 'flash_sales f JOIN skus s ON s.tenant_id = f.tenant_id AND s.id = f.sku_id';

const toRow = (row: Row): PublicSaleRow => ({
  id: row.id,
  skuId: row.sku_id,
  name: row.name,
  unitPriceMinor: Number(row.unit_price_minor),
  currency: row.currency,
  startsAtMs: utcEpochMs(row.starts_at),
  endsAtMs: utcEpochMs(row.ends_at),
  perUserLimit: Number(row.per_user_limit),
  allocated: Number(row.allocated),
  ended: row.ended_at !== null,
});

export async function findPublicSale(sql: Sql, tenantId: string, saleId: string): Promise<PublicSaleRow | undefined> {
  const [rows] = await sql.query<Row[]>(`SELECT ${columns} FROM ${fromSalesWithSku} WHERE f.tenant_id = ? AND f.id = ?`, [tenantId, saleId]);
  return rows[0] && toRow(rows[0]);
}

/**
 * Sales not ended at `nowMs`, by start time then id, after the keyset position `after`; `limit + 1`
 * rows are read so the caller knows whether another page follows. `after.at` is the start, epoch ms. `ix_flash_sales_tenant
 * (tenant_id, starts_at)` ends in the primary key (id), so the order and the position are one index range.
 */
export async function currentSalesPage(
  sql: Sql,
  tenantId: string,
  options: { nowMs: number; limit: number; after?: { at: number; id: string } | undefined },
): Promise<PublicSaleRow[]> {
  const after = options.after;
  const [rows] = await sql.query<Row[]>(
    `SELECT ${columns} FROM ${fromSalesWithSku}
      WHERE f.tenant_id = ? AND f.ended_at IS NULL AND f.ends_at > ?${after ? ' AND (f.starts_at > ? OR (f.starts_at = ? AND f.id > ?))' : ''}
      ORDER BY f.starts_at, f.id
      LIMIT ?`,
    [tenantId, new Date(options.nowMs), ...(after ? [new Date(after.at), new Date(after.at), after.id] : []), options.limit + 1],
  );
  return rows.map(toRow);
}

/** A tenant is known to the public API once it has a SKU: there is no tenant table, and a tenant without goods has nothing to show. */
export async function tenantHasCatalog(sql: Sql, tenantId: string): Promise<boolean> {
  const [rows] = await sql.query<RowDataPacket[]>('SELECT 1 FROM skus WHERE tenant_id = ? LIMIT 1', [tenantId]);
  return rows.length > 0;
}
