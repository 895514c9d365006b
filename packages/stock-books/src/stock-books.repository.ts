/**
 * The inventory books' statements that return stock, in the inventory database, shared by the
 * inventory service and the reconciler's connection to that database
 * (docs/adr/0010-database-per-service.md) so both write the same rows the same way. Each runs in
 * the caller's transaction, after the caller locked the sale row and then the reservation row
 * (docs/adr/0005-sale-allocations.md).
 */
import type { Sql } from '@flash-sale/service-kit';
import type { ResultSetHeader } from 'mysql2/promise';

export type ReservationStatus = 'committed' | 'released' | 'released_before_created' | 'refunded';

/** Guarded transition: true only when the row was in `from` (zero rows is a refusal, not success). */
export async function transitionReservation(sql: Sql, orderId: string, from: ReservationStatus, to: 'released' | 'refunded', reason: string): Promise<boolean> {
  const stamp = to === 'released' ? 'released_at' : 'refunded_at';
  const [result] = await sql.query<ResultSetHeader>(
    `UPDATE stock_reservations SET status = ?, release_reason = ?, ${stamp} = CURRENT_TIMESTAMP(6) WHERE order_id = ? AND status = ?`,
    [to, reason, orderId, from],
  );
  return result.affectedRows === 1;
}

/** Units back on the SKU's stock, `toAllocation` of them into its allocation; false when the SKU is not there. */
export async function returnUnits(sql: Sql, tenantId: string, skuId: string, quantity: number, toAllocation: number): Promise<boolean> {
  const [result] = await sql.query<ResultSetHeader>('UPDATE skus SET stock = stock + ?, allocated = allocated + ? WHERE tenant_id = ? AND id = ?', [
    quantity,
    toAllocation,
    tenantId,
    skuId,
  ]);
  return result.affectedRows === 1;
}

export type AuditOperation = 'reserve' | 'decrease' | 'release' | 'refund' | 'restock';

export interface AuditEntry {
  tenantId: string;
  skuId: string;
  /** Null for a restock, which belongs to no sale. */
  saleId: string | null;
  operation: AuditOperation;
  quantity: number;
  /** Signed effect on `skus.stock`. */
  stockDelta: number;
  refId: string;
  /** The event that caused the change; null for an ops request. */
  eventId: string | null;
}

/** Appends one row; a second row for the same (ref, operation) fails with a duplicate key. */
export async function appendAudit(sql: Sql, entry: AuditEntry): Promise<void> {
  await sql.query(
    'INSERT INTO inventory_audit (tenant_id, sku_id, sale_id, operation, quantity, stock_delta, ref_id, event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    [entry.tenantId, entry.skuId, entry.saleId, entry.operation, entry.quantity, entry.stockDelta, entry.refId, entry.eventId],
  );
}
