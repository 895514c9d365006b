import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { Sql } from './sql.ts';

export interface Sku {
  tenantId: string;
  id: string;
  name: string;
  initialStock: number;
  stock: number;
}

interface SkuRow extends RowDataPacket {
  tenant_id: string;
  id: string;
  name: string;
  initial_stock: number;
  stock: number;
}

const toSku = (row: SkuRow): Sku => ({ tenantId: row.tenant_id, id: row.id, name: row.name, initialStock: Number(row.initial_stock), stock: Number(row.stock) });

export async function insertSku(sql: Sql, sku: Omit<Sku, 'initialStock'>): Promise<void> {
  await sql.query('INSERT INTO skus (tenant_id, id, name, initial_stock, stock) VALUES (?, ?, ?, ?, ?)', [sku.tenantId, sku.id, sku.name, sku.stock, sku.stock]);
}

export async function findSku(sql: Sql, tenantId: string, id: string): Promise<Sku | undefined> {
  const [rows] = await sql.query<SkuRow[]>('SELECT tenant_id, id, name, initial_stock, stock FROM skus WHERE tenant_id = ? AND id = ?', [tenantId, id]);
  return rows[0] && toSku(rows[0]);
}

/** The guarded decrement: false (nothing changed) when the books lack the units. Never goes below zero. */
export async function decrementStock(sql: Sql, tenantId: string, id: string, quantity: number): Promise<boolean> {
  const [result] = await sql.query<ResultSetHeader>('UPDATE skus SET stock = stock - ? WHERE tenant_id = ? AND id = ? AND stock >= ?', [quantity, tenantId, id, quantity]);
  return result.affectedRows === 1;
}

export async function incrementStock(sql: Sql, tenantId: string, id: string, quantity: number): Promise<boolean> {
  const [result] = await sql.query<ResultSetHeader>('UPDATE skus SET stock = stock + ? WHERE tenant_id = ? AND id = ?', [quantity, tenantId, id]);
  return result.affectedRows === 1;
}
