/**
 * Gives an order's stock back the way the inventory service's own handlers do, for when their event
 * never arrived or was never sent: in one transaction on the connection to the inventory database, the reservation's guarded
 * transition, the stock increment, the audit row (the handlers' statements, from
 * `@flash-sale/stock-books`) and a `stock.released` outbox event; then the Redis release
 * (idempotent, so the handler's later run changes nothing).
 */
import { prepareEvent, stockReleased, writeOutbox } from '@flash-sale/events';
import { withTransaction } from '@flash-sale/service-kit';
import { appendAudit, returnUnits, stockDeltaOf, stockReturnFor, transitionReservation, type ReturnReason } from '@flash-sale/stock-books';
import type { StockReservations } from '@flash-sale/stock-reservations';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { ServiceDatabases } from '../../infra/service-databases.ts';

export interface OrderLine {
  orderId: string;
  tenantId: string;
  saleId: string;
  skuId: string;
  quantity: number;
}

export type { ReturnReason } from '@flash-sale/stock-books';

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
  deps: { databases: Pick<ServiceDatabases, 'inventory'>; reservations: StockReservations; now: () => Date },
  line: OrderLine,
  reason: ReturnReason,
  restock: boolean,
): Promise<ReturnOutcome> {
  let redisReleased = false;
  const books = await withTransaction(deps.databases.inventory, async (tx) => {
    // The sale's row first, as the inventory consumers take it: its allocation may change below
    // (docs/adr/0005-sale-allocations.md), and one lock order means no deadlock with them.
    const [sales] = await tx.query<RowDataPacket[]>(`SELECT allocated, ended_at FROM flash_sales WHERE id = ? AND tenant_id = ? AND sku_id = ? FOR UPDATE`, [
      line.saleId,
      line.tenantId,
      line.skuId,
    ]);
    const sale = sales[0] ? { allocated: Number(sales[0].allocated), live: sales[0].ended_at === null } : undefined;
    const [rows] = await tx.query<ReservationRow[]>(`SELECT sale_id, sku_id, quantity, status FROM stock_reservations WHERE order_id = ? FOR UPDATE`, [
      line.orderId,
    ]);
    const row = rows[0];
    if (!row) {
      if (reason === 'refunded') throw new Error(`refunded order ${line.orderId} never reached the books`);
      // As the handler does for a release that overtakes its creation: a late `order.created`
      // finds this row and decrements nothing. The books never moved, so no audit row.
      const [inserted] = await tx.query<ResultSetHeader>(
        `INSERT IGNORE INTO stock_reservations (order_id, tenant_id, sale_id, sku_id, quantity, status, release_reason, released_at)
         VALUES (?, ?, ?, ?, ?, 'released_before_created', ?, CURRENT_TIMESTAMP(6))`,
        [line.orderId, line.tenantId, line.saleId, line.skuId, line.quantity, reason],
      );
      if (inserted.affectedRows !== 1) return false;
      // An ended sale kept allocation for this hold only; released under the sale's lock, the hold
      // gives it back to the SKU as the inventory consumer does, instead of leaking it.
      if (sale && !sale.live) {
        redisReleased = (await deps.reservations.release({ saleId: line.saleId, orderId: line.orderId, reason: `reconciler:${reason}`, restock: true }))
          .released;
        const units = redisReleased ? Math.min(line.quantity, sale.allocated) : 0;
        if (units > 0) {
          await tx.query(`UPDATE flash_sales SET allocated = allocated - ? WHERE id = ?`, [units, line.saleId]);
          await tx.query(`UPDATE skus SET allocated = allocated - ? WHERE tenant_id = ? AND id = ?`, [units, line.tenantId, line.skuId]);
        }
      }
      return true;
    }
    if (row.status !== 'committed') return false;
    const move = stockReturnFor(reason);
    if (!(await transitionReservation(tx, line.orderId, 'committed', move.reservation, reason))) return false;
    const quantity = Number(row.quantity);
    const at = deps.now();
    const event = prepareEvent(
      stockReleased,
      { order_id: line.orderId, sale_id: row.sale_id, sku_id: row.sku_id, quantity, reason },
      { source: 'reconciler', tenantId: line.tenantId, correlationId: `reconcile:${line.orderId}` },
      at,
    );
    if (restock) {
      // Back in a live sale's Redis stock, the units can be sold again: they rejoin its allocation.
      const toAllocation = sale?.live && row.sale_id === line.saleId && row.sku_id === line.skuId ? quantity : 0;
      await returnUnits(tx, line.tenantId, row.sku_id, quantity, toAllocation);
      if (toAllocation > 0) await tx.query(`UPDATE flash_sales SET allocated = allocated + ? WHERE id = ?`, [toAllocation, line.saleId]);
    }
    await appendAudit(tx, {
      tenantId: line.tenantId,
      skuId: row.sku_id,
      saleId: row.sale_id,
      operation: move.operation,
      quantity,
      stockDelta: stockDeltaOf(quantity, restock),
      refId: line.orderId,
      eventId: event.envelope.id,
    });
    if (restock) await writeOutbox(tx, [event]);
    return true;
  });
  if (!restock) return { books, redis: false };
  // After the commit: a Redis failure leaves the books right and the next run releases Redis.
  const released = await deps.reservations.release({ saleId: line.saleId, orderId: line.orderId, reason: `reconciler:${reason}`, restock: true });
  return { books, redis: redisReleased || released.released };
}
