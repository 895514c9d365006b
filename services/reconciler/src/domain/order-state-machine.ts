/**
 * The order lifecycle's deterministic projection (F of the `order-lifecycle` contract) as data:
 * the order state machine, and what each authoritative event does to an order. The state machine
 * and the confirm rule are the order service's own, from `@flash-sale/order-lifecycle`; the event
 * rules are the replay's. The replay folds events with them, the repairs apply them, and the docs
 * render them.
 */
import { TRANSITIONS, type OrderCommand } from '@flash-sale/order-lifecycle';

export { CONFIRM_WHEN, ORDER_STATUSES, type OrderCommand, type OrderStatus } from '@flash-sale/order-lifecycle';

export const ORDER_TRANSITIONS = TRANSITIONS;

/**
 * Commands that publish no event (ops fulfilment over HTTP). An order that went this way past its
 * projected status is ahead of the history, not in disagreement with it.
 */
export const UNEVENTED_COMMANDS: readonly OrderCommand[] = ['ship', 'deliver'];

export type EventEffect = { kind: 'create' } | { kind: 'command'; command: OrderCommand } | { kind: 'stock_committed' } | { kind: 'none' };

export interface EventRule {
  /** The envelope `type`: what the fold dispatches on. */
  type: string;
  /** Where the event is published (`packages/events/src/topics.ts`). */
  topic: string;
  /**
   * Events of one order are folded by rank, then by time. Topics share no order with each other,
   * so the rank encodes causality instead: the order service publishes a cancellation or expiry
   * only after its guard saw PENDING, so no payment can have reached the order before it (rank 1
   * before payments at 2); a refund needs the payment first (3).
   */
  rank: number;
  effect: EventEffect;
  why: string;
}

export const ORDER_EVENT_RULES: readonly EventRule[] = [
  { type: 'order.created.v1', topic: 'order.order.created.v1', rank: 0, effect: { kind: 'create' }, why: 'the order exists, PENDING' },
  {
    type: 'order.cancelled.v1',
    topic: 'order.order.cancelled.v1',
    rank: 1,
    effect: { kind: 'command', command: 'cancel' },
    why: 'published by the order service after its guarded cancel',
  },
  {
    type: 'order.expired.v1',
    topic: 'order.order.expired.v1',
    rank: 1,
    effect: { kind: 'command', command: 'expire' },
    why: 'published by the expiry sweep (or the reconciler) after its guarded expire',
  },
  {
    type: 'payment.completed.v1',
    topic: 'payment.payment.completed.v1',
    rank: 2,
    effect: { kind: 'command', command: 'pay' },
    why: 'the order consumer pays a PENDING order; a dead order stays dead',
  },
  { type: 'stock.committed.v1', topic: 'inventory.stock.committed.v1', rank: 2, effect: { kind: 'stock_committed' }, why: 'marks the stock committed' },
  {
    type: 'payment.failed.v1',
    topic: 'payment.payment.failed.v1',
    rank: 2,
    effect: { kind: 'none' },
    why: 'the order stays PENDING so the shopper may pay again',
  },
  {
    type: 'payment.refunded.v1',
    topic: 'payment.payment.refunded.v1',
    rank: 3,
    effect: { kind: 'command', command: 'refund' },
    why: 'the order consumer refunds a paid order',
  },
  {
    type: 'order.refunded.v1',
    topic: 'order.order.refunded.v1',
    rank: 3,
    effect: { kind: 'command', command: 'refund' },
    why: 'the order service’s own record of that refund (a second refund is refused)',
  },
];
