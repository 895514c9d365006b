/**
 * An order was cancelled and its stock was never released (docs/consistency.md,
 * "unreturned-stock"). CANCELLED and EXPIRED orders, and REFUNDED ones whose refund restocks, must
 * have their units back both in the books (reservation no longer `committed`) and in Redis (the
 * sale's order record released). A dropped release event or a handler that died half-way leaves
 * one of them out; the repair returns the stock with an audit row, exactly as the inventory
 * handlers do.
 */
import { ENDED_UNSOLD, restocksOnRefund, sqlStatusList, type OrderStatus } from '@flash-sale/order-lifecycle';
import type { RowDataPacket } from 'mysql2/promise';
import { SCAN_PAGE, selectInBy } from '../../infra/service-databases.ts';
import { returnStock, type ReturnReason } from '../repairs/return-stock.ts';
import { Tally, type JobDeps, type ReconciliationJob } from './job.ts';

interface OrderRow extends RowDataPacket {
  id: string;
  tenant_id: string;
  sale_id: string;
  sku_id: string;
  quantity: number;
  status: 'CANCELLED' | 'EXPIRED' | 'REFUNDED';
  updated_at: string;
  refunded_from: OrderStatus | null;
}

interface ReservationRow extends RowDataPacket {
  order_id: string;
  status: string;
}

const REASON: Record<OrderRow['status'], ReturnReason> = { CANCELLED: 'cancelled', EXPIRED: 'expired', REFUNDED: 'refunded' };
/** Terminal orders older than this are settled history; the replay tool covers them. */
const LOOKBACK_MS = 7 * 24 * 3600_000;
/** As before the split: a run looks at this many finished orders at most; the next run takes the rest. */
const MAX_ORDERS_PER_RUN = 5000;

export const unreturnedStockJob: ReconciliationJob = {
  name: 'unreturned-stock',
  description: 'CANCELLED, EXPIRED or restocking REFUNDED orders whose stock never came back (books or Redis): compensate and audit',
  everyMs: 60_000,
  async run(deps: JobDeps) {
    const tally = new Tally(deps.logger);
    const nowMs = deps.now().getTime();
    const window = [new Date(nowMs - LOOKBACK_MS), new Date(nowMs - deps.thresholds.stockReturnGraceMs)];
    // Keyset pages of finished orders from the order database; each page's reservations from the
    // inventory database and its Redis records (ADR 0010).
    let after: [string, string] | undefined;
    while (tally.checked < MAX_ORDERS_PER_RUN) {
      const [rows] = await deps.databases.order.query<OrderRow[]>(
        `SELECT o.id, o.tenant_id, o.sale_id, o.sku_id, o.quantity, o.status, o.updated_at,
                (SELECT h.from_status FROM order_status_history h WHERE h.order_id = o.id AND h.to_status = 'REFUNDED' ORDER BY h.id DESC LIMIT 1) AS refunded_from
           FROM orders o
          WHERE o.status IN (${sqlStatusList([...ENDED_UNSOLD, 'REFUNDED'])}) AND o.updated_at BETWEEN ? AND ? ${after ? 'AND (o.updated_at, o.id) > (?, ?)' : ''}
          ORDER BY o.updated_at, o.id LIMIT ?`,
        [...window, ...(after ?? []), SCAN_PAGE],
      );
      const last = rows.at(-1);
      if (!last) break;
      after = [last.updated_at, last.id];
      tally.checked += rows.length;
      await comparePage(deps, tally, rows);
      if (rows.length < SCAN_PAGE) break;
    }
    return tally.outcome();
  },
};

async function comparePage(deps: JobDeps, tally: Tally, rows: readonly OrderRow[]): Promise<void> {
  const books = await selectInBy<ReservationRow>(
    deps.databases.inventory,
    'order_id',
    'SELECT order_id, status FROM stock_reservations WHERE order_id IN (?)',
    rows.map((row) => row.id),
  );
  const records = await deps.reservations.findOrderRecords(rows.map((row) => ({ saleId: row.sale_id, orderId: row.id })));
  const redisStates = records.map((record) => record?.state ?? null);

  for (const [index, row] of rows.entries()) {
    const booksStatus = books.get(row.id)?.status ?? null;
    const restock = row.status !== 'REFUNDED' || (row.refunded_from !== null && restocksOnRefund(row.refunded_from));
    const booksOut = row.status === 'REFUNDED' ? booksStatus === 'committed' : booksStatus === null || booksStatus === 'committed';
    const redisState = redisStates[index];
    const redisOut = restock && (redisState === 'H' || redisState === 'C');
    if (!booksOut && !redisOut) continue;
    const reason = REASON[row.status];
    const anomaly = `stock_not_returned:${reason}`;
    tally.found(anomaly, row.id);
    deps.logger.warn({ order_id: row.id, status: row.status, books_status: booksStatus, redis_state: redisState }, 'stock of a finished order never came back');
    await tally.repair(anomaly, row.id, async () => {
      const outcome = await returnStock(
        deps,
        { orderId: row.id, tenantId: row.tenant_id, saleId: row.sale_id, skuId: row.sku_id, quantity: Number(row.quantity) },
        reason,
        restock,
      );
      return outcome.books || outcome.redis;
    });
  }
}
