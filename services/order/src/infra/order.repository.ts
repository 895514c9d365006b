/**
 * Reads and guarded writes of orders. Every status change is decided by the order's state machine
 * (`decide`, domain/order-status.ts) on the locked row, then written as one `UPDATE … WHERE id = ?
 * AND status IN (…)` plus a history row, in the caller's transaction; zero rows is a refusal.
 */
import { utcDate, type Sql } from '@flash-sale/service-kit';
import type { PoolConnection, RowDataPacket, ResultSetHeader } from 'mysql2/promise';
import type { Order, StatusChange } from '../domain/order.ts';
import { TRANSITIONS, decide, type OrderCommand, type OrderStatus } from '../domain/order-status.ts';


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

export type TransitionResult = { ok: true; from: OrderStatus; to: OrderStatus } | { ok: false; current: OrderStatus | null };

/**
 * Applies `command` to an order if `decide` allows it from the order's status. The row is locked
 * before the decision and the caller's transaction holds the lock, so the status decided on is the
 * one changed, and the history row and any outbox event commit with the change.
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
  const [current] = await tx.query<RowDataPacket[]>('SELECT status, tenant_id FROM orders WHERE id = ? FOR UPDATE', [input.orderId]);
  const from = current[0]?.status as OrderStatus | undefined;
  if (!from) return { ok: false, current: null };
  input.checkTenant?.(String(current[0]?.tenant_id));
  const decision = decide(input.command, from);
  if (!decision.ok) return { ok: false, current: from };
  const extra = input.set?.paymentId ? ', payment_id = ?' : '';
  const params: unknown[] = [decision.to, input.now, ...(input.set?.paymentId ? [input.set.paymentId] : []), input.orderId, TRANSITIONS[input.command].from];
  // The row is locked, so the guard only repeats the rule `decide` applied; zero rows would be a refusal all the same.
  const [result] = await tx.query<ResultSetHeader>(`UPDATE orders SET status = ?, updated_at = ?${extra} WHERE id = ? AND status IN (?)`, params);
  if (result.affectedRows === 0) return { ok: false, current: from };
  await tx.query('INSERT INTO order_status_history (order_id, from_status, to_status, cause, source_event_id, occurred_at) VALUES (?, ?, ?, ?, ?, ?)', [
    input.orderId,
    from,
    decision.to,
    input.cause,
    input.sourceEventId ?? null,
    input.now,
  ]);
  return { ok: true, from, to: decision.to };
}

export async function markStockCommitted(tx: PoolConnection, orderId: string, now: Date): Promise<boolean> {
  const [result] = await tx.query<ResultSetHeader>('UPDATE orders SET stock_committed = 1, updated_at = ? WHERE id = ? AND stock_committed = 0', [now, orderId]);
  return result.affectedRows === 1;
}

/** A PAID order whose stock is committed becomes CONFIRMED; whoever makes the second of the two true calls this. */
export async function confirmIfReady(tx: PoolConnection, input: { orderId: string; now: Date; sourceEventId?: string | null }): Promise<void> {
  const order = await findOrder(tx, input.orderId, { forUpdate: true });
  if (order?.stockCommitted && decide('confirm', order.status).ok) {
    await transitionOrder(tx, { orderId: input.orderId, command: 'confirm', cause: 'paid and stock committed', sourceEventId: input.sourceEventId ?? null, now: input.now });
  }
}

/** Pending orders whose payment deadline passed, oldest first. */
export async function findExpiredPending(db: Sql, now: Date, limit: number): Promise<Order[]> {
  const [rows] = await db.query<OrderRow[]>("SELECT * FROM orders WHERE status = 'PENDING' AND expires_at <= ? ORDER BY expires_at LIMIT ?", [now, limit]);
  return rows.map(toOrder);
}
