import { EVIDENCE_FIELDS, type RecoveryContract } from './recovery-contract.ts';

export const orderLifecycleContract: RecoveryContract = {
  flow: 'order-lifecycle',
  history: { source: 'order_status_history: every transition with time, cause and source event id', tables: ['order.order_status_history', 'order.orders'] },
  ordering: 'Per order id: the partition key of every order, stock and payment event, so one order’s events arrive in order on one partition.',
  idempotencyKey: 'The guarded transition UPDATE … WHERE status IN (…) (a second apply affects no row) plus consumer_dedupe (consumer, event_id).',
  projection: 'orders.status = to_status of the last history row; PENDING → PAID → CONFIRMED → SHIPPED → DELIVERED, → REFUNDED, PENDING → CANCELLED | EXPIRED.',
  replayScope: 'One order, or every order of a sale, from its creation; upstream events from the payment and inventory topics from an offset or a time.',
  invariants: [
    {
      name: 'status_matches_last_transition',
      description: 'Every order’s status is the target of its latest history row.',
      sql: `SELECT COUNT(*) AS violations FROM {order}.orders o
             WHERE o.status <> (SELECT h.to_status FROM {order}.order_status_history h WHERE h.order_id = o.id ORDER BY h.id DESC LIMIT 1)`,
    },
    {
      name: 'paid_orders_have_completed_payment',
      description: 'No order is PAID or beyond without a payment the payment service holds as COMPLETED or REFUNDED.',
      sql: `SELECT COUNT(*) AS violations FROM {order}.orders o
             WHERE o.status IN ('PAID', 'CONFIRMED', 'SHIPPED', 'DELIVERED', 'REFUNDED')
               AND NOT EXISTS (SELECT 1 FROM {payment}.payments p WHERE p.order_id = o.id AND p.status IN ('COMPLETED', 'REFUNDED'))`,
    },
    {
      name: 'confirmed_orders_have_committed_stock',
      description: 'A CONFIRMED (or shipped, delivered) order has its stock committed in the books.',
      sql: `SELECT COUNT(*) AS violations FROM {order}.orders o
             WHERE o.status IN ('CONFIRMED', 'SHIPPED', 'DELIVERED') AND o.stock_committed = 0`,
    },
  ],
  evidence: { fields: EVIDENCE_FIELDS, storedIn: 'reconciler.replay_runs' },
};
