import { type Sql } from '@flash-sale/service-kit';
import type { AuditEntry, AuditOperation } from '@flash-sale/stock-books';
import type { RowDataPacket } from 'mysql2/promise';

// One append statement for the inventory service and the reconciler's stock return.
export { appendAudit, type AuditEntry, type AuditOperation } from '@flash-sale/stock-books';

/** The operations an order's stock goes through; a restock belongs to a SKU, not to a sale. */
export type SaleAuditOperation = Exclude<AuditOperation, 'restock'>;

/** Several rows in one statement; any duplicate (ref, operation) fails it whole. */
export async function appendAudits(sql: Sql, entries: readonly AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  await sql.query('INSERT INTO inventory_audit (tenant_id, sku_id, sale_id, operation, quantity, stock_delta, ref_id, event_id) VALUES ?', [
    entries.map((entry) => [entry.tenantId, entry.skuId, entry.saleId, entry.operation, entry.quantity, entry.stockDelta, entry.refId, entry.eventId]),
  ]);
}

export type AuditTotals = Record<SaleAuditOperation, { rows: number; quantity: number; stockDelta: number }>;

interface TotalsRow extends RowDataPacket {
  operation: SaleAuditOperation;
  row_count: string | number;
  quantity: string | number | null;
  stock_delta: string | number | null;
}

export async function auditTotalsForSale(sql: Sql, tenantId: string, saleId: string): Promise<AuditTotals> {
  const [rows] = await sql.query<TotalsRow[]>(
    `SELECT operation, COUNT(*) AS row_count, SUM(quantity) AS quantity, SUM(stock_delta) AS stock_delta
     FROM inventory_audit WHERE sale_id = ? AND tenant_id = ? GROUP BY operation`,
    [saleId, tenantId],
  );
  const totals: AuditTotals = {
    reserve: { rows: 0, quantity: 0, stockDelta: 0 },
    decrease: { rows: 0, quantity: 0, stockDelta: 0 },
    release: { rows: 0, quantity: 0, stockDelta: 0 },
    refund: { rows: 0, quantity: 0, stockDelta: 0 },
  };
  for (const row of rows) {
    totals[row.operation] = { rows: Number(row.row_count), quantity: Number(row.quantity ?? 0), stockDelta: Number(row.stock_delta ?? 0) };
  }
  return totals;
}
