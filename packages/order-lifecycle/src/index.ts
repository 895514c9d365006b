/**
 * The order lifecycle's rules, once: the state machine and its decide function, when a paid order
 * is confirmed, what expiry does at the deadline, and the guarded write that applies a transition.
 * The order service runs them; the reconciler replays and repairs with the same ones.
 */
export {
  ENDED_UNSOLD,
  HOLDS_STOCK,
  ORDER_COMMANDS,
  ORDER_STATUSES,
  PAID_OR_LATER,
  TERMINAL_STATUSES,
  TRANSITIONS,
  decide,
  isTerminal,
  restocksOnRefund,
  sqlStatusList,
  type Decision,
  type OrderCommand,
  type OrderStatus,
  type TransitionRule,
} from './order-status.ts';
export { CONFIRM_CAUSE, CONFIRM_WHEN, confirmWhen } from './confirm-when.ts';
export { decideExpiry, type ExpiryDecision, type PaymentAtDeadline } from './expiry.ts';
export { ORDER_TABLES, orderTables, type OrderTables } from './order-tables.ts';
export { confirmIfReady, transitionOrder, type TransitionInput, type TransitionResult } from './order-transition.repository.ts';
