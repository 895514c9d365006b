/**
 * Gives an order's stock back the way the inventory service's own handlers do, for when their event
 * never arrived or was never sent: in the inventory schema's transaction, the reservation's guarded
 * transition, the stock increment, the audit row and a `stock.released` outbox event; then the
 * Redis release (idempotent, so the handler's later run changes nothing).
 */
import { prepareEvent, stockReleased } from '@flash-sale/events';
import { withTransaction } from '@flash-sale/service-kit';
import type { StockReservations } from '@flash-sale/stock-reservations';
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { writeOutboxIn } from '../infra/outbox.ts';
import type { Tables } from '../infra/schemas.ts';

export interface OrderLine {
  orderId: string;
  tenantId: string;
  saleId: string;
  skuId: string;
  quantity: number;
}

export type ReturnReason = 'cancelled' | 'expired' | 'refunded';

export interface ReturnOutcome {
  /** The books changed (reservation row, and stock plus audit when units came back). */
  books: boolean;
  /** Redis gave the units back. */
  redis: boolean;
}

interface ReservationRow extends RowDataPacket {
  sale_id: string;
  sku_id: string;
  quantity: number;
  status: string;
}

/**
 * `restock: false` is a refund after shipment: audited, but the units stay sold (docs/refunds.md).
 */
export async function returnStock(
  deps: { pool: Pool; tables: Tables; reservations: StockReservations; now: () => Date },
  line: OrderLine,
  reason: ReturnReason,
  restock: boolean,
): Promise<ReturnOutcome> {
  const t = deps.tables;
  const books = await withTransaction(deps.pool, async (tx) => {
    const [rows] = await tx.query<ReservationRow[]>(
      `SELECT sale_id, sku_id, quantity, status FROM ${t.inventory('stock_reservations')} WHERE order_id = ? FOR UPDATE`,
      [line.orderId],
    );
    const row = rows[0];
    if (!row) {
      if (reason === 'refunded') throw new Error(`refunded order ${line.orderId} never reached the books`);
      // As the handler does for a release that overtakes its creation: a late `order.created`
      // finds this row and decrements nothing. The books never moved, so no audit row.
      const [inserted] = await tx.query<ResultSetHeader>(
        `INSERT IGNORE INTO ${t.inventory('stock_reservations')} (order_id, tenant_id, sale_id, sku_id, quantity, status, release_reason, released_at)
         VALUES (?, ?, ?, ?, ?, 'released_before_created', ?, CURRENT_TIMESTAMP(6))`,
        [line.orderId, line.tenantId, line.saleId, line.skuId, line.quantity, reason],
      );
      return inserted.affectedRows === 1;
    }
    if (row.status !== 'committed') return false;
    const to = reason === 'refunded' ? 'refunded' : 'released';
    const stamp = to === 'released' ? 'released_at' : 'refunded_at';
    const [moved] = await tx.query<ResultSetHeader>(
      `UPDATE ${t.inventory('stock_reservations')} SET status = ?, release_reason = ?, ${stamp} = CURRENT_TIMESTAMP(6) WHERE order_id = ? AND status = 'committed'`,
      [to, reason, line.orderId],
    );
    if (moved.affectedRows === 0) return false;
    const quantity = Number(row.quantity);
    const at = deps.now();
    const event = prepareEvent(
      stockReleased,
      { order_id: line.orderId, sale_id: row.sale_id, sku_id: row.sku_id, quantity, reason },
      { source: 'reconciler', tenantId: line.tenantId, correlationId: `reconcile:${line.orderId}` },
      at,
    );
    if (restock) {
      await tx.query(`UPDATE ${t.inventory('skus')} SET stock = stock + ? WHERE tenant_id = ? AND id = ?`, [quantity, line.tenantId, row.sku_id]);
    }
    await tx.query(
      `INSERT INTO ${t.inventory('inventory_audit')} (tenant_id, sku_id, sale_id, operation, quantity, stock_delta, ref_id, event_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [line.tenantId, row.sku_id, row.sale_id, reason === 'refunded' ? 'refund' : 'release', quantity, restock ? quantity : 0, line.orderId, event.envelope.id],
    );
    if (restock) await writeOutboxIn(tx, t.inventory('outbox'), [event]);
    return true;
  });
  if (!restock) return { books, redis: false };
  // After the commit: a Redis failure leaves the books right and the next run releases Redis.
  const released = await deps.reservations.release({ saleId: line.saleId, orderId: line.orderId, reason: `reconciler:${reason}`, restock: true });
  return { books, redis: released.released };
}
