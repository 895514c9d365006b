/**
 * Reads and guarded writes of orders. Every status change goes through the shared guarded write
 * (`@flash-sale/order-lifecycle`): the row locked, `decide` asked, one `UPDATE … WHERE id = ? AND
 * status IN (…)` plus a history row, in the caller's transaction; zero rows is a refusal.
 */
import { confirmIfReady as confirmOrderIfReady, transitionOrder as applyTransition, type TransitionResult } from '@flash-sale/order-lifecycle';
import { utcDate, type Sql } from '@flash-sale/service-kit';
import type { PoolConnection, RowDataPacket, ResultSetHeader } from 'mysql2/promise';
import type { Order, StatusChange } from '../domain/order.ts';
import type { OrderCommand, OrderStatus } from '../domain/order-status.ts';

interface OrderRow extends RowDataPacket {
  id: string;
  tenant_id: string;
  user_id: string;
  sale_id: string;
  sku_id: string;
  quantity: number;
  unit_price_minor: string;
  total_minor: string;
  currency: string;
  status: OrderStatus;
  stock_committed: number;
  payment_id: string | null;
  expires_at: string;
  created_at: string;
  updated_at: string;
}

export function toOrder(row: OrderRow): Order {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    saleId: row.sale_id,
    skuId: row.sku_id,
    quantity: Number(row.quantity),
    unitPriceMinor: Number(row.unit_price_minor),
    totalMinor: Number(row.total_minor),
    currency: row.currency,
    status: row.status,
    stockCommitted: Number(row.stock_committed) === 1,
    paymentId: row.payment_id,
    expiresAt: utcDate(row.expires_at),
    createdAt: utcDate(row.created_at),
    updatedAt: utcDate(row.updated_at),
  };
}

export async function findOrder(db: Sql, orderId: string, options: { forUpdate?: boolean } = {}): Promise<Order | null> {
  const [rows] = await db.query<OrderRow[]>(`SELECT * FROM orders WHERE id = ?${options.forUpdate ? ' FOR UPDATE' : ''}`, [orderId]);
  return rows[0] ? toOrder(rows[0]) : null;
}

/** The trace id the order's `order.created` started, or null for an order placed before it was kept. */
export async function orderTraceId(db: Sql, orderId: string): Promise<string | null> {
  const [rows] = await db.query<RowDataPacket[]>('SELECT trace_id FROM orders WHERE id = ?', [orderId]);
  const traceId: unknown = rows[0]?.trace_id;
  return typeof traceId === 'string' && traceId ? traceId : null;
}

/** An order as its owner may see it: another user's or tenant's order does not exist for them. */
export async function findOwnedOrder(db: Sql, orderId: string, tenantId: string, userId: string): Promise<Order | null> {
  const [rows] = await db.query<OrderRow[]>('SELECT * FROM orders WHERE id = ? AND tenant_id = ? AND user_id = ?', [orderId, tenantId, userId]);
  return rows[0] ? toOrder(rows[0]) : null;
}

interface HistoryRow extends RowDataPacket {
  from_status: OrderStatus | null;
  to_status: OrderStatus;
  cause: string;
  source_event_id: string | null;
  occurred_at: string;
}

export async function orderHistory(db: Sql, orderId: string): Promise<StatusChange[]> {
  const [rows] = await db.query<HistoryRow[]>(
    'SELECT from_status, to_status, cause, source_event_id, occurred_at FROM order_status_history WHERE order_id = ? ORDER BY id',
    [orderId],
  );
  return rows.map((row) => ({ from: row.from_status, to: row.to_status, cause: row.cause, sourceEventId: row.source_event_id, at: utcDate(row.occurred_at) }));
}

export type { TransitionResult } from '@flash-sale/order-lifecycle';

/**
 * Applies `command` to an order if its status allows it: the shared guarded write
 * (`@flash-sale/order-lifecycle`). The caller's transaction holds the row lock from then on, so the
 * history row and any outbox event commit with the change.
 */
export async function transitionOrder(
  tx: PoolConnection,
  input: {
    orderId: string;
    command: OrderCommand;
    cause: string;
    sourceEventId?: string | null;
    now: Date;
    set?: { paymentId?: string };
    /** Given the locked order's tenant before anything changes; throws to refuse (a consumer's tenant check). */
    checkTenant?: (tenantId: string) => void;
  },
): Promise<TransitionResult> {
  const { set, ...transition } = input;
  return applyTransition(tx, { ...transition, ...(set?.paymentId ? { paymentId: set.paymentId } : {}) });
}

export async function markStockCommitted(tx: PoolConnection, orderId: string, now: Date): Promise<boolean> {
  const [result] = await tx.query<ResultSetHeader>('UPDATE orders SET stock_committed = 1, updated_at = ? WHERE id = ? AND stock_committed = 0', [
    now,
    orderId,
  ]);
  return result.affectedRows === 1;
}

/** A PAID order whose stock is committed becomes CONFIRMED (`confirmWhen`); whoever makes the second of the two true calls this. */
export async function confirmIfReady(tx: PoolConnection, input: { orderId: string; now: Date; sourceEventId?: string | null }): Promise<void> {
  await confirmOrderIfReady(tx, input);
}

/** Pending orders whose payment deadline passed, oldest first. */
export async function findExpiredPending(db: Sql, now: Date, limit: number): Promise<Order[]> {
  const [rows] = await db.query<OrderRow[]>("SELECT * FROM orders WHERE status = 'PENDING' AND expires_at <= ? ORDER BY expires_at LIMIT ?", [now, limit]);
  return rows.map(toOrder);
}
