/**
 * The order state machine, shared with the reconciler's replay and repairs: one copy of the rule
 * in `@flash-sale/order-lifecycle`, whose guarded write repeats it (`UPDATE … WHERE status IN (…)`),
 * so a race between two writers is refused there too.
 */
export {
  ORDER_STATUSES,
  TRANSITIONS,
  decide,
  isTerminal,
  restocksOnRefund,
  type Decision,
  type OrderCommand,
  type OrderStatus,
} from '@flash-sale/order-lifecycle';
