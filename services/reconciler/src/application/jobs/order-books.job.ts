/**
 * Per-order books of each armed sale: what Redis says of every order (the sale's `orders` hash:
 * held, sold or released) against the order in MySQL and its inventory reservation.
 *
 * Repaired, through `StockReservations` (the same Lua scripts the services use):
 * - a hold whose reservation the books committed (the inventory `order.created` handler decremented
 *   the books, then its Redis commit failed): committed, so Redis counts the units sold;
 * - a hold of a CANCELLED or EXPIRED order that the books never sold: released.
 * Reported only, because the repair would take units Redis may already have given to someone else
 * (and ops or the race-free rebuild must decide):
 * - a live order whose units Redis released (e.g. the order path released the hold although its
 *   write committed), with or without a committed reservation;
 * - units sold in Redis that the books do not record for a live order.
 * Holds with no order at all belong to `orphan-holds`; stock of finished orders still counted out
 * in the books belongs to `unreturned-stock`.
 *
 * A sale may hold 100,000 orders: the hash is read in chunks (`StockReservations.orderRecords`),
 * and each chunk is compared with a lookup of its orders in the order database and of their
 * reservations in the inventory database (ADR 0010), so memory stays bounded by the chunk size.
 */
import { ENDED_UNSOLD, HOLDS_STOCK, type OrderStatus } from '@flash-sale/order-lifecycle';
import type { OrderRecord } from '@flash-sale/stock-reservations';
import type { RowDataPacket } from 'mysql2/promise';
import { armedSales } from '../sale-books.ts';
import { selectInBy } from '../../infra/service-databases.ts';
import { Tally, type JobDeps, type ReconciliationJob } from './job.ts';

/** Hash fields asked of HSCAN per call (a hint to Redis); the MySQL lookups split a chunk into `LOOKUP_PAGE` ids. */
export const ORDER_BOOKS_CHUNK = 1000;

interface OrderRow extends RowDataPacket {
  id: string;
  status: OrderStatus;
  /**
   * 1 when the order's last change is older than the grace period: the inventory handler commits
   * Redis right after its transaction, and consumers release after a cancellation, so younger
   * differences are work in flight, not anomalies.
   */
  settled: number;
}

interface ReservationRow extends RowDataPacket {
  order_id: string;
  status: string;
}

export const orderBooksJob: ReconciliationJob = {
  name: 'order-books',
  description:
    'Per order of each armed sale: Redis held/sold against MySQL orders and stock reservations; commit holds the books sold, release holds of finished orders, report the rest',
  everyMs: 5 * 60_000,
  async run(deps: JobDeps) {
    const tally = new Tally(deps.logger);
    const settledBefore = new Date(deps.now().getTime() - deps.thresholds.stockReturnGraceMs);
    for (const sale of await armedSales(deps.databases.inventory)) {
      for await (const chunk of deps.reservations.orderRecords(sale.saleId, ORDER_BOOKS_CHUNK))
        await compareChunk(deps, tally, sale.saleId, chunk, settledBefore);
    }
    return tally.outcome();
  },
};

async function compareChunk(deps: JobDeps, tally: Tally, saleId: string, chunk: readonly OrderRecord[], settledBefore: Date): Promise<void> {
  if (chunk.length === 0) return;
  tally.checked += chunk.length;
  // The chunk's orders from the order database, their reservations from the inventory database.
  const ids = chunk.map((entry) => entry.orderId);
  const orders = await selectInBy<OrderRow>(deps.databases.order, 'id', 'SELECT id, status, updated_at <= ? AS settled FROM orders WHERE id IN (?)', ids, [
    settledBefore,
  ]);
  const reservations = await selectInBy<ReservationRow>(
    deps.databases.inventory,
    'order_id',
    'SELECT order_id, status FROM stock_reservations WHERE order_id IN (?)',
    [...orders.keys()],
  );

  for (const { orderId, state } of chunk) {
    const order = orders.get(orderId);
    if (!order) continue;
    const row = { ...order, books_status: reservations.get(orderId)?.status ?? null };
    const sold = row.books_status === 'committed';
    const live = HOLDS_STOCK.includes(row.status);
    const settled = Number(row.settled) === 1;

    if (state === 'H' && sold && live && settled) {
      tally.found('hold_sold_in_books', orderId);
      await tally.repair('hold_sold_in_books', orderId, async () => (await deps.reservations.commit({ saleId, orderId })).committed);
    } else if (state === 'H' && !sold && ENDED_UNSOLD.includes(row.status) && settled) {
      tally.found('hold_of_finished_order', orderId);
      await tally.repair(
        'hold_of_finished_order',
        orderId,
        async () => (await deps.reservations.release({ saleId, orderId, reason: 'reconciler:order-books' })).released,
      );
    } else if (state === 'R' && live && settled) {
      const anomaly = sold ? 'sold_in_books_released_in_redis' : 'live_order_released_in_redis';
      tally.found(anomaly, orderId);
      deps.logger.warn(
        { order_id: orderId, sale_id: saleId, status: row.status, books_status: row.books_status },
        'a live order whose units Redis released; not repaired automatically',
      );
    } else if (state === 'C' && !sold && live && settled) {
      tally.found('sold_in_redis_not_in_books', orderId);
      deps.logger.warn(
        { order_id: orderId, sale_id: saleId, status: row.status, books_status: row.books_status },
        'units sold in Redis that the books do not record; not repaired automatically',
      );
    }
  }
}
