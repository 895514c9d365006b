import { type Sql } from '@flash-sale/service-kit';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';

export interface Sku {
  tenantId: string;
  id: string;
  name: string;
  initialStock: number;
  stock: number;
  /** Units reserved for sales and not sold yet; never more than `stock` (docs/adr/0005-sale-allocations.md). */
  allocated: number;
}

interface SkuRow extends RowDataPacket {
  tenant_id: string;
  id: string;
  name: string;
  initial_stock: number;
  stock: number;
  allocated: number;
}

const toSku = (row: SkuRow): Sku => ({
  tenantId: row.tenant_id,
  id: row.id,
  name: row.name,
  initialStock: Number(row.initial_stock),
  stock: Number(row.stock),
  allocated: Number(row.allocated),
});

export async function insertSku(sql: Sql, sku: Omit<Sku, 'initialStock' | 'allocated'>): Promise<void> {
  await sql.query('INSERT INTO skus (tenant_id, id, name, initial_stock, stock) VALUES (?, ?, ?, ?, ?)', [
    sku.tenantId,
    sku.id,
    sku.name,
    sku.stock,
    sku.stock,
  ]);
}

export async function findSku(sql: Sql, tenantId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<Sku | undefined> {
  const [rows] = await sql.query<SkuRow[]>(
    `SELECT tenant_id, id, name, initial_stock, stock, allocated FROM skus WHERE tenant_id = ? AND id = ?${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [tenantId, id],
  );
  return rows[0] && toSku(rows[0]);
}

/**
 * Reserves units of the SKU for a new sale: one guarded statement, so two concurrent sales are
 * serialised on the row and the second sees the first's allocation. False when they do not fit.
 */
export async function allocateUnits(sql: Sql, tenantId: string, id: string, units: number): Promise<boolean> {
  const [result] = await sql.query<ResultSetHeader>('UPDATE skus SET allocated = allocated + ? WHERE tenant_id = ? AND id = ? AND stock >= allocated + ?', [
    units,
    tenantId,
    id,
    units,
  ]);
  return result.affectedRows === 1;
}

/** Gives units of an ended sale's allocation back to the SKU. */
export async function freeUnits(sql: Sql, tenantId: string, id: string, units: number): Promise<boolean> {
  const [result] = await sql.query<ResultSetHeader>('UPDATE skus SET allocated = allocated - ? WHERE tenant_id = ? AND id = ? AND allocated >= ?', [
    units,
    tenantId,
    id,
    units,
  ]);
  return result.affectedRows === 1;
}

/**
 * The guarded decrement of a sale: `quantity` units leave the books, `fromAllocation` of them out of
 * the allocation that was reserved for them. False (nothing changed) when the units would have to
 * come from another sale's allocation or the books lack them. Written with additions only, because
 * the columns are unsigned and a subtraction in the guard would overflow instead of failing.
 */
export async function sellUnits(sql: Sql, tenantId: string, id: string, quantity: number, fromAllocation: number): Promise<boolean> {
  const [result] = await sql.query<ResultSetHeader>(
    'UPDATE skus SET stock = stock - ?, allocated = allocated - ? WHERE tenant_id = ? AND id = ? AND allocated >= ? AND stock + ? >= allocated + ?',
    [quantity, fromAllocation, tenantId, id, fromAllocation, fromAllocation, quantity],
  );
  return result.affectedRows === 1;
}

/** Units back on the books; `toAllocation` of them back into a live sale that can sell them again (shared with the reconciler's stock return). */
export { returnUnits } from '@flash-sale/stock-books';
