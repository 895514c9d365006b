/**
 * The order service's guarded transition (`@flash-sale/order-lifecycle`), applied by the reconciler
 * in a transaction on its connection to the order database (ADR 0010): `UPDATE … WHERE id = ? AND
 * status IN (…)` plus a history row naming the repair as its cause. Zero rows affected is a refusal
 * (the order moved on meanwhile), never a success.
 */
import { CONFIRM_CAUSE, TRANSITIONS, confirmIfReady as confirmOrderIfReady, transitionOrder as applyTransition } from '@flash-sale/order-lifecycle';
import type { PoolConnection } from 'mysql2/promise';

/**
 * The commands a repair may apply, with the rule of the order state machine (contract data).
 * Never ship or deliver: those are facts of the warehouse, which only ops can state.
 */
export const REPAIR_TRANSITIONS = {
  pay: TRANSITIONS.pay,
  confirm: TRANSITIONS.confirm,
  expire: TRANSITIONS.expire,
  cancel: TRANSITIONS.cancel,
  refund: TRANSITIONS.refund,
} as const;

export const REPAIR_COMMANDS = Object.keys(REPAIR_TRANSITIONS) as RepairCommand[];

export type RepairCommand = keyof typeof REPAIR_TRANSITIONS;

/** The history row's cause of a repair: the reconciler names itself, within the column's width. */
const repairCause = (cause: string): string => `reconciler: ${cause}`.slice(0, 200);

export async function transitionOrder(
  tx: PoolConnection,
  input: { orderId: string; command: RepairCommand; cause: string; now: Date; paymentId?: string },
): Promise<boolean> {
  const result = await applyTransition(tx, { ...input, cause: repairCause(input.cause), sourceEventId: null });
  return result.ok;
}

/** CONFIRMED when PAID and the stock is committed (`confirmWhen`), as the order service does; false otherwise. */
export async function confirmIfReady(tx: PoolConnection, input: { orderId: string; now: Date }): Promise<boolean> {
  return confirmOrderIfReady(tx, { ...input, cause: repairCause(CONFIRM_CAUSE) });
}
