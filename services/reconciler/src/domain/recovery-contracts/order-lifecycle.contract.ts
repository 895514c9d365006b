import { CONFIRM_WHEN, ORDER_EVENT_RULES, ORDER_TRANSITIONS, UNEVENTED_COMMANDS } from '../order-state-machine.ts';
import { EVIDENCE_FIELDS, type RecoveryContract } from './recovery-contract.ts';

const effectName = (effect: (typeof ORDER_EVENT_RULES)[number]['effect']) =>
  effect.kind === 'command'
    ? effect.command
    : effect.kind === 'create'
      ? 'create PENDING'
      : effect.kind === 'stock_committed'
        ? 'mark stock committed'
        : 'none';

export const orderLifecycleContract: RecoveryContract = {
  flow: 'order-lifecycle',
  history: {
    source:
      'The order, payment and stock events on Kafka (the facts every order transition reacts to, replayed by `replay order-lifecycle`); order_status_history records every transition with time, cause and source event id',
    tables: [...new Set(ORDER_EVENT_RULES.map((rule) => rule.topic))].map((topic) => `topic ${topic}`).concat(['order.order_status_history', 'order.orders']),
  },
  ordering: 'Per order id: the partition key of every order, stock and payment event, so one order’s events arrive in order on one partition.',
  idempotencyKey:
    'The envelope id (the replay skips an id it has seen, as consumer_dedupe (consumer, event_id) does) and the guarded transition UPDATE … WHERE status IN (…) (a second apply affects no row).',
  projection:
    'orders.status = the fold of the order’s events through the state machine below, by rank then occurred_at (topics share no order, so the rank encodes causality); a command the machine refuses changes nothing. In SQL it is also the to_status of the last history row. A judged order that still disagrees after the replay, and a record that is not a valid event, each count as a reconciliation failure.',
  stateMachine: {
    transitions: ORDER_TRANSITIONS,
    events: ORDER_EVENT_RULES.map((rule) => ({ type: rule.type, topic: rule.topic, rank: rule.rank, effect: effectName(rule.effect), why: rule.why })),
    followUp: `confirm when ${CONFIRM_WHEN}`,
    unevented: UNEVENTED_COMMANDS,
  },
  replayScope:
    'Every partition of the topics above from an offset or a time up to the end offsets captured when the replay starts. Only orders whose order.created lies in the scope are judged: one created earlier made transitions the replay cannot see.',
  invariants: [
    {
      name: 'status_matches_last_transition',
      description: 'Every order’s status is the target of its latest history row.',
      database: 'order',
      sql: `SELECT COUNT(*) AS violations FROM orders o
             WHERE o.status <> (SELECT h.to_status FROM order_status_history h WHERE h.order_id = o.id ORDER BY h.id DESC LIMIT 1)`,
    },
    {
      name: 'paid_orders_have_completed_payment',
      description: 'No order is PAID or beyond without a payment the payment service holds as COMPLETED or REFUNDED.',
      scan: {
        database: 'order',
        sql: `SELECT o.id, o.id AS ref FROM orders o
               WHERE o.status IN ('PAID', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'REFUNDED') AND o.id > ? ORDER BY o.id LIMIT ?`,
      },
      lookup: { database: 'payment', sql: `SELECT p.order_id AS ref FROM payments p WHERE p.status IN ('COMPLETED', 'REFUNDED') AND p.order_id IN (?)` },
      violation: 'ref_missing',
    },
    {
      name: 'confirmed_orders_have_committed_stock',
      description: 'A CONFIRMED (or shipped, delivered) order has its stock committed in the books.',
      database: 'order',
      sql: `SELECT COUNT(*) AS violations FROM orders o
             WHERE o.status IN ('CONFIRMED', 'SHIPPED', 'DELIVERED') AND o.stock_committed = 0`,
    },
  ],
  evidence: { fields: EVIDENCE_FIELDS, storedIn: 'reconciler.replay_runs' },
};
