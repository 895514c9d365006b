/**
 * The order lifecycle's scratch projection: a pure fold of replayed events into order id →
 * expected status, by the event rules in `domain/order-state-machine.ts` and the state machine
 * of `@flash-sale/order-lifecycle`. The same events give the same projection whatever order the
 * topics delivered them in.
 */
import { confirmWhen, decide } from '@flash-sale/order-lifecycle';
import { ORDER_EVENT_RULES, UNEVENTED_COMMANDS, type EventRule, type OrderCommand, type OrderStatus } from '../../domain/order-state-machine.ts';

export interface ReplayedEvent {
  id: string;
  type: string;
  occurredAt: string;
  orderId: string;
  paymentId?: string;
  /** Where it was read: the tie-breaker that keeps the fold deterministic. */
  topic: string;
  partition: number;
  offset: string;
}

export interface ProjectedOrder {
  status: OrderStatus;
  stockCommitted: boolean;
  paymentId?: string;
  /** Events whose command the state machine refused (a late payment for an expired order, a second refund). */
  refused: number;
}

const rules = new Map(ORDER_EVENT_RULES.map((rule) => [rule.type, rule]));

export const ruleFor = (type: string): EventRule | undefined => rules.get(type);

function compare(a: ReplayedEvent, b: ReplayedEvent): number {
  const rank = (ruleFor(a.type)?.rank ?? 99) - (ruleFor(b.type)?.rank ?? 99);
  if (rank !== 0) return rank;
  if (a.occurredAt !== b.occurredAt) return a.occurredAt < b.occurredAt ? -1 : 1;
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.partition !== b.partition) return a.partition - b.partition;
  return Number(BigInt(a.offset) - BigInt(b.offset));
}

function apply(order: ProjectedOrder, command: OrderCommand): boolean {
  const decision = decide(command, order.status);
  if (!decision.ok) return false;
  order.status = decision.to;
  return true;
}

/**
 * Folds the events (already free of duplicate ids). Only orders whose `order.created` is among
 * them are projected: an order created before the scope made transitions the replay cannot see.
 */
export function projectOrders(events: readonly ReplayedEvent[]): Map<string, ProjectedOrder> {
  const byOrder = new Map<string, ReplayedEvent[]>();
  for (const event of events) {
    const list = byOrder.get(event.orderId);
    if (list) list.push(event);
    else byOrder.set(event.orderId, [event]);
  }
  const projection = new Map<string, ProjectedOrder>();
  for (const [orderId, list] of byOrder) {
    if (!list.some((event) => ruleFor(event.type)?.effect.kind === 'create')) continue;
    const order: ProjectedOrder = { status: 'PENDING', stockCommitted: false, refused: 0 };
    for (const event of [...list].sort(compare)) {
      const effect = ruleFor(event.type)?.effect;
      if (!effect || effect.kind === 'create' || effect.kind === 'none') continue;
      if (effect.kind === 'stock_committed') order.stockCommitted = true;
      else if (!apply(order, effect.command)) order.refused += 1;
      else if (effect.command === 'pay' && event.paymentId) order.paymentId = event.paymentId;
      if (confirmWhen(order.status, order.stockCommitted)) apply(order, 'confirm');
    }
    projection.set(orderId, order);
  }
  return projection;
}

/** The commands that lead from one status to another, shortest first; `undefined` when none do. */
export function pathBetween<C extends OrderCommand>(from: OrderStatus, to: OrderStatus, allowed: readonly C[]): C[] | undefined {
  const queue: { status: OrderStatus; path: C[] }[] = [{ status: from, path: [] }];
  const seen = new Set<OrderStatus>([from]);
  while (queue.length > 0) {
    const { status, path } = queue.shift()!;
    if (status === to) return path;
    for (const command of allowed) {
      const decision = decide(command, status);
      if (!decision.ok || seen.has(decision.to)) continue;
      seen.add(decision.to);
      queue.push({ status: decision.to, path: [...path, command] });
    }
  }
  return undefined;
}

/** The live status agrees with the projection, or went past it only through unevented commands. */
export const agrees = (live: OrderStatus, projected: OrderStatus): boolean => pathBetween(projected, live, UNEVENTED_COMMANDS) !== undefined;
