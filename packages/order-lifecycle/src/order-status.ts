/**
 * The order state machine as data plus pure functions: the one copy the order service applies and
 * the reconciler replays and repairs with. The guarded write (`order-transition.repository.ts`)
 * repeats the rule in its `UPDATE … WHERE status IN (…)`, so a race between two writers is refused
 * there too.
 */
export const ORDER_STATUSES = ['PENDING', 'PAID', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'REFUNDED', 'CANCELLED', 'EXPIRED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const ORDER_COMMANDS = ['pay', 'confirm', 'ship', 'deliver', 'refund', 'cancel', 'expire'] as const;
export type OrderCommand = (typeof ORDER_COMMANDS)[number];

export interface TransitionRule {
  from: readonly OrderStatus[];
  to: OrderStatus;
}

/** For each command, the statuses it may start from and the status it leads to. */
export const TRANSITIONS: Readonly<Record<OrderCommand, TransitionRule>> = {
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
  return rule.from.includes(current) ? { ok: true, from: current, to: rule.to } : { ok: false, reason: 'ILLEGAL_TRANSITION', from: current, command };
}

/** Statuses where the order's lifecycle has ended: only a refund of a delivered order leads out of one. */
export const TERMINAL_STATUSES: readonly OrderStatus[] = ['DELIVERED', 'REFUNDED', 'CANCELLED', 'EXPIRED'];

export const isTerminal = (status: OrderStatus): boolean => TERMINAL_STATUSES.includes(status);

/** Orders that keep their units: every status but the ends that give stock back (a refund's return depends on where it came from). */
export const HOLDS_STOCK: readonly OrderStatus[] = ['PENDING', 'PAID', 'CONFIRMED', 'SHIPPED', 'DELIVERED'];

/** Ended before a sale: the order's units go back to the sale. */
export const ENDED_UNSOLD: readonly OrderStatus[] = ['CANCELLED', 'EXPIRED'];

/** Statuses an order reaches only by being paid. */
export const PAID_OR_LATER: readonly OrderStatus[] = ['PAID', 'CONFIRMED', 'SHIPPED', 'DELIVERED'];

/** A status set as an SQL list (`'PAID','CONFIRMED'`) for `status IN (…)`; the values are this module's constants, never input. */
export const sqlStatusList = (statuses: readonly OrderStatus[]): string => statuses.map((status) => `'${status}'`).join(',');

/** Stock leaves the sale for good only once delivered goods cannot come back by refund policy (docs/refunds.md). */
export const restocksOnRefund = (status: OrderStatus): boolean => status === 'PAID' || status === 'CONFIRMED';
