/**
 * The order state machine as data plus pure functions. Every status change in production is
 * decided here: `transitionOrder` (infra/order.repository.ts) locks the order's row and asks
 * `decide`. The database write repeats the rule (`UPDATE … WHERE status IN (…)`), so a race
 * between two writers is refused there too.
 */
export const ORDER_STATUSES = ['PENDING', 'PAID', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'REFUNDED', 'CANCELLED', 'EXPIRED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export type OrderCommand = 'pay' | 'confirm' | 'ship' | 'deliver' | 'refund' | 'cancel' | 'expire';

/** For each command, the statuses it may start from and the status it leads to. */
export const TRANSITIONS: Record<OrderCommand, { from: readonly OrderStatus[]; to: OrderStatus }> = {
  pay: { from: ['PENDING'], to: 'PAID' },
  confirm: { from: ['PAID'], to: 'CONFIRMED' },
  ship: { from: ['CONFIRMED'], to: 'SHIPPED' },
  deliver: { from: ['SHIPPED'], to: 'DELIVERED' },
  refund: { from: ['PAID', 'CONFIRMED', 'SHIPPED', 'DELIVERED'], to: 'REFUNDED' },
  cancel: { from: ['PENDING'], to: 'CANCELLED' },
  expire: { from: ['PENDING'], to: 'EXPIRED' },
};

export type Decision = { ok: true; from: OrderStatus; to: OrderStatus } | { ok: false; reason: 'ILLEGAL_TRANSITION'; from: OrderStatus; command: OrderCommand };

export function decide(command: OrderCommand, current: OrderStatus): Decision {
  const rule = TRANSITIONS[command];
  return rule.from.includes(current)
    ? { ok: true, from: current, to: rule.to }
    : { ok: false, reason: 'ILLEGAL_TRANSITION', from: current, command };
}

/** Stock leaves the sale for good only once delivered goods cannot come back by refund policy. */
export const restocksOnRefund = (status: OrderStatus) => status === 'PAID' || status === 'CONFIRMED';

export const isTerminal = (status: OrderStatus) => status === 'DELIVERED' || status === 'REFUNDED' || status === 'CANCELLED' || status === 'EXPIRED';
