/**
 * The order service's guarded transition, applied by the reconciler in a transaction on its
 * connection to the order database (ADR 0010): `UPDATE … WHERE id = ? AND status IN (…)` plus a
 * history row naming the repair as its cause. Zero rows affected is a refusal (the order moved on
 * meanwhile), never a success.
 */
import type { PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { ORDER_TRANSITIONS } from '../../domain/order-state-machine.ts';

/**
 * The commands a repair may apply, with the rule of the order state machine (contract data).
 * Never ship or deliver: those are facts of the warehouse, which only ops can state.
 */
export const REPAIR_TRANSITIONS = {
  pay: ORDER_TRANSITIONS.pay,
  confirm: ORDER_TRANSITIONS.confirm,
  expire: ORDER_TRANSITIONS.expire,
  cancel: ORDER_TRANSITIONS.cancel,
  refund: ORDER_TRANSITIONS.refund,
} as const;

export const REPAIR_COMMANDS = Object.keys(REPAIR_TRANSITIONS) as RepairCommand[];

export type RepairCommand = keyof typeof REPAIR_TRANSITIONS;

export async function transitionOrder(
  tx: PoolConnection,
  input: { orderId: string; command: RepairCommand; cause: string; now: Date; paymentId?: string },
): Promise<boolean> {
  const rule = REPAIR_TRANSITIONS[input.command];
  const [current] = await tx.query<RowDataPacket[]>(`SELECT status FROM orders WHERE id = ? FOR UPDATE`, [input.orderId]);
  const from = current[0]?.status as string | undefined;
  if (!from) return false;
  const setPayment = input.paymentId ? ', payment_id = ?' : '';
  const [result] = await tx.query<ResultSetHeader>(
    `UPDATE orders SET status = ?, updated_at = ?${setPayment} WHERE id = ? AND status IN (?)`,
    [rule.to, input.now, ...(input.paymentId ? [input.paymentId] : []), input.orderId, rule.from],
  );
  if (result.affectedRows === 0) return false;
  await tx.query(
    `INSERT INTO order_status_history (order_id, from_status, to_status, cause, source_event_id, occurred_at) VALUES (?, ?, ?, ?, NULL, ?)`,
    [input.orderId, from, rule.to, `reconciler: ${input.cause}`.slice(0, 200), input.now],
  );
  return true;
}
