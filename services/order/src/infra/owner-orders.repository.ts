/**
 * A shopper's own orders, newest first, a keyset page at a time.
 *
 * `ix_orders_owner (tenant_id, user_id, created_at)` serves it without a new index: InnoDB ends
 * every secondary index with the primary key, so the index is ordered by (created_at, id) within
 * one owner, and the page is read backwards from the cursor's position with no sort. A status
 * filter is checked on the owner's rows as the index returns them; an index with the status in it
 * would save that on a read bounded by one shopper's orders, and cost every order's insert and
 * every status change on the hot path. `test/my-orders.int.test.ts` asserts the plan.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { Order } from '../domain/order.ts';
import type { OrderStatus } from '../domain/order-status.ts';
import { toOrder } from './order.repository.ts';

/** `created_at` keeps microseconds (DATETIME(6)); a cursor in ms would skip or repeat orders of the same millisecond. */
export function toEpochMicros(datetime: string): number {
  const [whole = '', fraction = ''] = datetime.split('.');
  return Date.parse(`${whole.replace(' ', 'T')}Z`) * 1000 + Number(fraction.padEnd(6, '0').slice(0, 6));
}

export function fromEpochMicros(micros: number): string {
  const iso = new Date(Math.floor(micros / 1000)).toISOString();
  return `${iso.slice(0, 19).replace('T', ' ')}.${String(micros % 1_000_000).padStart(6, '0')}`;
}

export interface OwnerOrdersQuery {
  tenantId: string;
  userId: string;
  status?: OrderStatus | undefined;
  /** Continue after this order (its created_at in epoch µs, and its id). */
  before?: { at: number; id: string } | undefined;
  limit: number;
}

export interface OwnerOrdersPage {
  orders: Order[];
  /** The last order's position when another page follows. */
  next: { at: number; id: string } | null;
}

export const ownerOrdersSql = (query: Pick<OwnerOrdersQuery, 'status' | 'before'>) =>
  `SELECT * FROM orders
    WHERE tenant_id = ? AND user_id = ?${query.status ? ' AND status = ?' : ''}${query.before ? ' AND (created_at < ? OR (created_at = ? AND id < ?))' : ''}
    ORDER BY created_at DESC, id DESC
    LIMIT ?`;

export const ownerOrdersParams = (query: OwnerOrdersQuery): unknown[] => {
  const before = query.before ? fromEpochMicros(query.before.at) : undefined;
  return [
    query.tenantId,
    query.userId,
    ...(query.status ? [query.status] : []),
    ...(query.before && before ? [before, before, query.before.id] : []),
    // One more than asked: whether another page follows, without a count.
    query.limit + 1,
  ];
};

export async function ownerOrdersPage(db: Pool, query: OwnerOrdersQuery): Promise<OwnerOrdersPage> {
  const [rows] = await db.query<RowDataPacket[]>(ownerOrdersSql(query), ownerOrdersParams(query));
  const shown = rows.slice(0, query.limit);
  const last = shown.at(-1);
  return {
    orders: shown.map((row) => toOrder(row as Parameters<typeof toOrder>[0])),
    next: rows.length > query.limit && last ? { at: toEpochMicros(String(last.created_at)), id: String(last.id) } : null,
  };
}
