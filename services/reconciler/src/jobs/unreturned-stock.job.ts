/**
 * Seed 002: "user cancelled order, inventory not released". CANCELLED and EXPIRED orders, and
 * REFUNDED ones whose refund restocks, must have their units back both in the books (reservation
 * no longer `committed`) and in Redis (the sale's order record released). A dropped release event
 * or a handler that died half-way leaves one of them out; the repair returns the stock with an
 * audit row, exactly as the inventory handlers do.
 */
import type { RowDataPacket } from 'mysql2/promise';
import { returnStock, type ReturnReason } from '../repairs/return-stock.ts';
import { Tally, type JobDeps, type ReconciliationJob } from './job.ts';

interface Row extends RowDataPacket {
  id: string;
  tenant_id: string;
  sale_id: string;
  sku_id: string;
  quantity: number;
  status: 'CANCELLED' | 'EXPIRED' | 'REFUNDED';
  books_status: string | null;
  refunded_from: string | null;
}

const REASON: Record<Row['status'], ReturnReason> = { CANCELLED: 'cancelled', EXPIRED: 'expired', REFUNDED: 'refunded' };
/** Terminal orders older than this are settled history; the replay tool covers them. */
const LOOKBACK_MS = 7 * 24 * 3600_000;

export const unreturnedStockJob: ReconciliationJob = {
  name: 'unreturned-stock',
  description: 'CANCELLED, EXPIRED or restocking REFUNDED orders whose stock never came back (books or Redis): compensate and audit',
  everyMs: 60_000,
  async run(deps: JobDeps) {
    const t = deps.tables;
    const tally = new Tally(deps.logger);
    const nowMs = deps.now().getTime();
    const [rows] = await deps.pool.query<Row[]>(
      `SELECT o.id, o.tenant_id, o.sale_id, o.sku_id, o.quantity, o.status, r.status AS books_status,
              (SELECT h.from_status FROM ${t.order('order_status_history')} h WHERE h.order_id = o.id AND h.to_status = 'REFUNDED' ORDER BY h.id DESC LIMIT 1) AS refunded_from
         FROM ${t.order('orders')} o LEFT JOIN ${t.inventory('stock_reservations')} r ON r.order_id = o.id
        WHERE o.status IN ('CANCELLED', 'EXPIRED', 'REFUNDED') AND o.updated_at BETWEEN ? AND ?
        ORDER BY o.updated_at LIMIT 5000`,
      [new Date(nowMs - LOOKBACK_MS), new Date(nowMs - deps.thresholds.stockReturnGraceMs)],
    );
    tally.checked = rows.length;
    if (rows.length === 0) return tally.outcome();

    const records = await deps.reservations.findOrderRecords(rows.map((row) => ({ saleId: row.sale_id, orderId: row.id })));
    const redisStates = records.map((record) => record?.state ?? null);

    for (const [index, row] of rows.entries()) {
      const restock = row.status !== 'REFUNDED' || row.refunded_from === 'PAID' || row.refunded_from === 'CONFIRMED';
      const booksOut = row.status === 'REFUNDED' ? row.books_status === 'committed' : row.books_status === null || row.books_status === 'committed';
      const redisState = redisStates[index];
      const redisOut = restock && (redisState === 'H' || redisState === 'C');
      if (!booksOut && !redisOut) continue;
      const reason = REASON[row.status];
      const anomaly = `stock_not_returned:${reason}`;
      tally.found(anomaly, row.id);
      deps.logger.warn({ order_id: row.id, status: row.status, books_status: row.books_status, redis_state: redisState }, 'stock of a finished order never came back');
      await tally.repair(anomaly, row.id, async () => {
        const outcome = await returnStock(deps, { orderId: row.id, tenantId: row.tenant_id, saleId: row.sale_id, skuId: row.sku_id, quantity: Number(row.quantity) }, reason, restock);
        return outcome.books || outcome.redis;
      });
    }
    return tally.outcome();
  },
};
