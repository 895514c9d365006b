/**
 * What MySQL says about an armed sale: its definition (inventory schema) and every order that still
 * holds or has bought units (order schema, with the books' reservation row). This is the
 * authoritative input of a Redis rebuild.
 */
import type { RebuildOrder, SaleDefinition } from '@flash-sale/stock-reservations';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { utc } from '../infra/sql.ts';
import type { Tables } from '../infra/schemas.ts';

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

const ms = (value: string) => (utc(value) as Date).getTime();

/** Armed sales (all, one, or those not ended at `liveAt`), oldest armed first. */
export async function armedSales(pool: Pool, t: Tables, filter: { saleId?: string; liveAt?: Date } = {}): Promise<ArmedSale[]> {
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
  const [rows] = await pool.query<SaleRow[]>(
    `SELECT id, tenant_id, sku_id, stock, unit_price_minor, currency, starts_at, ends_at, per_user_limit, hold_ttl_seconds, armed_at
       FROM ${t.inventory('flash_sales')} WHERE ${conditions.join(' AND ')} ORDER BY armed_at`,
    params,
  );
  return rows.map((row) => ({
    saleId: row.id,
    tenantId: row.tenant_id,
    skuId: row.sku_id,
    stock: Number(row.stock),
    unitPriceMinor: Number(row.unit_price_minor),
    currency: row.currency,
    startsAtMs: ms(row.starts_at),
    endsAtMs: ms(row.ends_at),
    perUserLimit: Number(row.per_user_limit),
    holdTtlMs: Number(row.hold_ttl_seconds) * 1000,
    armedAtMs: ms(row.armed_at),
  }));
}

interface OrderRow extends RowDataPacket {
  id: string;
  user_id: string;
  quantity: number;
  status: string;
  stock_committed: number;
  expires_at: string;
  books_status: string | null;
  refunded_from: string | null;
}

const SOLD = new Set(['PAID', 'CONFIRMED', 'SHIPPED', 'DELIVERED']);
/** A refund from these statuses restocks (docs/refunds.md); from SHIPPED or DELIVERED it does not. */
const RESTOCKING_REFUND_FROM = new Set(['PAID', 'CONFIRMED']);

/**
 * The orders that take units out of the sale, in the shape `StockReservations.rebuild` takes:
 * PENDING orders hold (or, once the books committed them, count as sold until expiry or
 * cancellation releases them with restock); paid orders and non-restocking refunds are sold.
 *
 * Read in keyset pages (`o.id > last ORDER BY o.id LIMIT n`) inside one read-only transaction with
 * a consistent snapshot: memory stays at one page however large the sale, and every page sees the
 * same moment of the books, so an order that changes status meanwhile is counted exactly once.
 */
export async function* unitsOutOfSale(pool: Pool, t: Tables, saleId: string, pageSize = 1000): AsyncGenerator<RebuildOrder> {
  const connection = await pool.getConnection();
  try {
    await connection.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
    let after = '';
    for (;;) {
      const [rows] = await connection.query<OrderRow[]>(
        `SELECT o.id, o.user_id, o.quantity, o.status, o.stock_committed, o.expires_at, r.status AS books_status,
                CASE WHEN o.status = 'REFUNDED' THEN
                  (SELECT h.from_status FROM ${t.order('order_status_history')} h WHERE h.order_id = o.id AND h.to_status = 'REFUNDED' ORDER BY h.id DESC LIMIT 1)
                END AS refunded_from
           FROM ${t.order('orders')} o LEFT JOIN ${t.inventory('stock_reservations')} r ON r.order_id = o.id
          WHERE o.sale_id = ? AND o.status IN ('PENDING', 'PAID', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'REFUNDED') AND o.id > ?
          ORDER BY o.id LIMIT ?`,
        [saleId, after, pageSize],
      );
      for (const row of rows) {
        const base = { orderId: row.id, userId: row.user_id, quantity: Number(row.quantity), holdExpiresAtMs: ms(row.expires_at) };
        if (row.status === 'PENDING') {
          const committed = row.books_status === 'committed' || Number(row.stock_committed) === 1;
          yield { ...base, state: committed ? 'committed' : 'held' };
        } else if (SOLD.has(row.status) || (row.status === 'REFUNDED' && !RESTOCKING_REFUND_FROM.has(row.refunded_from ?? ''))) {
          yield { ...base, state: 'committed' };
        }
      }
      const last = rows.at(-1);
      if (!last || rows.length < pageSize) break;
      after = last.id;
    }
    await connection.query('COMMIT');
  } finally {
    connection.release();
  }
}
