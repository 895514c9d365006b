/**
 * An order is CONFIRMED once it is both PAID and its stock is committed. The two facts arrive by
 * different events in either order, so whoever makes the second one true asks this rule.
 */
import type { OrderStatus } from './order-status.ts';

/** The rule in words, as the contracts and the history rows state it. */
export const CONFIRM_WHEN = 'PAID and stock committed';

/** The history row's cause of a confirmation made by this rule. */
export const CONFIRM_CAUSE = 'paid and stock committed';

export const confirmWhen = (status: OrderStatus, stockCommitted: boolean): boolean => status === 'PAID' && stockCommitted;
