/**
 * The guarded write of the order state machine, the same statements for the order service and the
 * reconciler's repairs: lock the order, decide, `UPDATE … WHERE id = ? AND status IN (…)` and a
 * history row, all in the caller's transaction. Zero rows affected is a refusal (the order moved on
 * meanwhile), never a success.
 */
import type { PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { CONFIRM_CAUSE, confirmWhen } from './confirm-when.ts';
import { ORDER_TABLES, type OrderTables } from './order-tables.ts';
import { TRANSITIONS, decide, type OrderCommand, type OrderStatus } from './order-status.ts';

export type TransitionResult = { ok: true; from: OrderStatus; to: OrderStatus } | { ok: false; current: OrderStatus | null };

export interface TransitionInput {
  orderId: string;
  command: OrderCommand;
  /** Stored as given: the caller names itself in it where that matters. */
  cause: string;
  sourceEventId?: string | null;
  now: Date;
  /** Set with the transition (a payment's id on `pay`). */
  paymentId?: string;
  /** Given the locked order's tenant before anything changes; throws to refuse (a consumer's tenant check). */
  checkTenant?: (tenantId: string) => void;
  tables?: OrderTables;
}

interface LockedOrderRow extends RowDataPacket {
  status: OrderStatus;
  tenant_id: string;
  stock_committed: number;
}

/**
 * Applies `command` to an order if its status allows it. The caller's transaction holds the row
 * lock from the locking read onwards, so the history row and any outbox event commit with the change.
 */
export async function transitionOrder(tx: PoolConnection, input: TransitionInput): Promise<TransitionResult> {
  const tables = input.tables ?? ORDER_TABLES;
  const [current] = await tx.query<LockedOrderRow[]>(`SELECT status, tenant_id FROM ${tables.orders} WHERE id = ? FOR UPDATE`, [input.orderId]);
  const from = current[0]?.status;
  if (!from) return { ok: false, current: null };
  input.checkTenant?.(String(current[0]?.tenant_id));
  const decision = decide(input.command, from);
  if (!decision.ok) return { ok: false, current: from };
  // The guard repeats the rule: a writer that bypassed the lock is still refused by the row itself.
  const rule = TRANSITIONS[input.command];
  const setPayment = input.paymentId ? ', payment_id = ?' : '';
  const [result] = await tx.query<ResultSetHeader>(`UPDATE ${tables.orders} SET status = ?, updated_at = ?${setPayment} WHERE id = ? AND status IN (?)`, [
    decision.to,
    input.now,
    ...(input.paymentId ? [input.paymentId] : []),
    input.orderId,
    rule.from,
  ]);
  if (result.affectedRows === 0) return { ok: false, current: from };
  await tx.query(`INSERT INTO ${tables.history} (order_id, from_status, to_status, cause, source_event_id, occurred_at) VALUES (?, ?, ?, ?, ?, ?)`, [
    input.orderId,
    from,
    decision.to,
    input.cause,
    input.sourceEventId ?? null,
    input.now,
  ]);
  return { ok: true, from, to: decision.to };
}

/**
 * A PAID order whose stock is committed becomes CONFIRMED (`confirmWhen`); whoever makes the second
 * of the two true calls this. False when the order is not ready or moved on.
 */
export async function confirmIfReady(
  tx: PoolConnection,
  input: { orderId: string; now: Date; sourceEventId?: string | null; cause?: string; tables?: OrderTables },
): Promise<boolean> {
  const tables = input.tables ?? ORDER_TABLES;
  const [rows] = await tx.query<LockedOrderRow[]>(`SELECT status, stock_committed FROM ${tables.orders} WHERE id = ? FOR UPDATE`, [input.orderId]);
  const order = rows[0];
  if (!order || !confirmWhen(order.status, Number(order.stock_committed) === 1)) return false;
  const result = await transitionOrder(tx, {
    orderId: input.orderId,
    command: 'confirm',
    cause: input.cause ?? CONFIRM_CAUSE,
    sourceEventId: input.sourceEventId ?? null,
    now: input.now,
    tables,
  });
  return result.ok;
}
