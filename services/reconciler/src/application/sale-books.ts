/**
 * What MySQL says about an armed sale: its definition (inventory database) and every order that
 * still holds or has bought units (order database, with the books' reservation row from the
 * inventory database). This is the authoritative input of a Redis rebuild.
 */
import { HOLDS_STOCK, sqlStatusList } from '@flash-sale/order-lifecycle';
import { utcEpochMs } from '@flash-sale/service-kit';
import type { RebuildOrder, SaleDefinition } from '@flash-sale/stock-reservations';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { LOOKUP_PAGE, type ServiceDatabases } from '../infra/service-databases.ts';

export type ArmedSale = SaleDefinition & { armedAtMs: number };

interface SaleRow extends RowDataPacket {
  id: string;
  tenant_id: string;
  sku_id: string;
  stock: number;
  unit_price_minor: string;
  currency: string;
  starts_at: string;
  ends_at: string;
  per_user_limit: number;
  hold_ttl_seconds: number;
  armed_at: string;
}

/** Armed sales (all, one, or those not ended at `liveAt`), oldest armed first. */
export async function armedSales(inventory: Pool, filter: { saleId?: string; liveAt?: Date } = {}): Promise<ArmedSale[]> {
  const { saleId, liveAt } = filter;
  const conditions = ['armed_at IS NOT NULL'];
  const params: unknown[] = [];
  if (saleId !== undefined) {
    conditions.push('id = ?');
    params.push(saleId);
  }
  if (liveAt !== undefined) {
    conditions.push('ends_at > ?');
    params.push(liveAt);
  }
  const [rows] = await inventory.query<SaleRow[]>(
    `SELECT id, tenant_id, sku_id, stock, unit_price_minor, currency, starts_at, ends_at, per_user_limit, hold_ttl_seconds, armed_at
       FROM flash_sales WHERE ${conditions.join(' AND ')} ORDER BY armed_at`,
    params,
  );
  return rows.map((row) => ({
    saleId: row.id,
    tenantId: row.tenant_id,
    skuId: row.sku_id,
    stock: Number(row.stock),
    unitPriceMinor: Number(row.unit_price_minor),
    currency: row.currency,
    startsAtMs: utcEpochMs(row.starts_at),
    endsAtMs: utcEpochMs(row.ends_at),
    perUserLimit: Number(row.per_user_limit),
    holdTtlMs: Number(row.hold_ttl_seconds) * 1000,
    armedAtMs: utcEpochMs(row.armed_at),
  }));
}

interface OrderRow extends RowDataPacket {
  id: string;
  user_id: string;
  quantity: number;
  status: string;
  stock_committed: number;
  expires_at: string;
  refunded_from: string | null;
}

interface ReservationRow extends RowDataPacket {
  order_id: string;
  status: string;
}

const SOLD = new Set(['PAID', 'CONFIRMED', 'SHIPPED', 'DELIVERED']);
/** A refund from these statuses restocks (docs/refunds.md); from SHIPPED or DELIVERED it does not. */
const RESTOCKING_REFUND_FROM = new Set(['PAID', 'CONFIRMED']);

/**
 * The orders that take units out of the sale, in the shape `StockReservations.rebuild` takes:
 * PENDING orders hold (or, once the books committed them, count as sold until expiry or
 * cancellation releases them with restock); paid orders and non-restocking refunds are sold.
 *
 * Read in keyset pages (`id > last ORDER BY id LIMIT n`) from the order database, each page's
 * reservation rows from the inventory database (ADR 0010). Each database is read inside one
 * read-only transaction with a consistent snapshot, both opened before the first page: memory
 * stays at one page however large the sale, and an order that changes status meanwhile is counted
 * exactly once. The two snapshots are a few milliseconds apart; an order the inventory committed
 * in between reads as committed rather than held, and both take its units out of the sale.
 */
export async function* unitsOutOfSale(databases: Pick<ServiceDatabases, 'order' | 'inventory'>, saleId: string, pageSize = 1000): AsyncGenerator<RebuildOrder> {
  const orders = await databases.order.getConnection();
  const inventory = await databases.inventory.getConnection().catch((error: unknown) => {
    orders.release();
    throw error;
  });
  try {
    await orders.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    await inventory.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    let after = '';
    for (;;) {
      const [rows] = await orders.query<OrderRow[]>(
        `SELECT o.id, o.user_id, o.quantity, o.status, o.stock_committed, o.expires_at,
                CASE WHEN o.status = 'REFUNDED' THEN
                  (SELECT h.from_status FROM order_status_history h WHERE h.order_id = o.id AND h.to_status = 'REFUNDED' ORDER BY h.id DESC LIMIT 1)
                END AS refunded_from
           FROM orders o
          WHERE o.sale_id = ? AND o.status IN (${sqlStatusList([...HOLDS_STOCK, 'REFUNDED'])}) AND o.id > ?
          ORDER BY o.id LIMIT ?`,
        [saleId, after, pageSize],
      );
      // Only PENDING orders need their reservation: the others are decided by their own status.
      const pending = rows.filter((row) => row.status === 'PENDING').map((row) => row.id);
      const books = new Map<string, string>();
      for (let start = 0; start < pending.length; start += LOOKUP_PAGE) {
        const [reservations] = await inventory.query<ReservationRow[]>('SELECT order_id, status FROM stock_reservations WHERE order_id IN (?)', [
          pending.slice(start, start + LOOKUP_PAGE),
        ]);
        for (const reservation of reservations) books.set(String(reservation.order_id), reservation.status);
      }
      for (const row of rows) {
        const base = { orderId: row.id, userId: row.user_id, quantity: Number(row.quantity), holdExpiresAtMs: utcEpochMs(row.expires_at) };
        if (row.status === 'PENDING') {
          const committed = books.get(row.id) === 'committed' || Number(row.stock_committed) === 1;
          yield { ...base, state: committed ? 'committed' : 'held' };
        } else if (SOLD.has(row.status) || (row.status === 'REFUNDED' && !RESTOCKING_REFUND_FROM.has(row.refunded_from ?? ''))) {
          yield { ...base, state: 'committed' };
        }
      }
      const last = rows.at(-1);
      if (!last || rows.length < pageSize) break;
      after = last.id;
    }
    await orders.query('COMMIT');
    await inventory.query('COMMIT');
  } finally {
    orders.release();
    inventory.release();
  }
}
