import { EVIDENCE_FIELDS, type RecoveryContract } from './recovery-contract.ts';

export const paymentContract: RecoveryContract = {
  flow: 'payment',
  history: {
    source: 'webhook_inbox (every authenticated provider event, raw) and payment_status_history (every accepted or refused transition)',
    tables: ['payment.webhook_inbox', 'payment.payment_status_history', 'payment.payments'],
  },
  ordering:
    'Per payment id (provider events) and per order id (payment events on Kafka); the state machine refuses out-of-order provider events and records the refusal.',
  idempotencyKey: 'webhook_inbox.provider_event_id (primary key) and payments.transaction_id (unique): one provider fact, one effect.',
  projection: 'payments.status = to_status of the last accepted history row; PENDING → COMPLETED | FAILED, COMPLETED → REFUNDED.',
  replayScope: 'One payment or every payment of an order, from its first inbox row.',
  invariants: [
    {
      name: 'status_matches_last_accepted_transition',
      description: 'Every payment’s status is the target of its latest accepted history row.',
      database: 'payment',
      sql: `SELECT COUNT(*) AS violations FROM payments p
             WHERE p.status <> COALESCE((SELECT h.to_status FROM payment_status_history h WHERE h.payment_id = p.id AND h.accepted = 1 ORDER BY h.id DESC LIMIT 1), 'PENDING')`,
    },
    {
      name: 'completed_payment_order_not_pending',
      description: 'No COMPLETED payment whose order is still PENDING five minutes later (the `paid-order-pending` threshold, docs/consistency.md).',
      // Driven from the PENDING orders: a sale's in-flight orders, far fewer than every payment made.
      scan: { database: 'order', sql: `SELECT o.id, o.id AS ref FROM orders o WHERE o.status = 'PENDING' AND o.id > ? ORDER BY o.id LIMIT ?` },
      lookup: {
        database: 'payment',
        sql: `SELECT p.order_id AS ref FROM payments p WHERE p.status = 'COMPLETED' AND p.updated_at < NOW(6) - INTERVAL 5 MINUTE AND p.order_id IN (?)`,
      },
      violation: 'ref_found',
    },
    {
      name: 'money_taken_for_dead_order_is_refunded',
      description: 'A COMPLETED payment for an EXPIRED or CANCELLED order has a refund on its way.',
      scan: {
        database: 'payment',
        sql: `SELECT p.id, p.order_id AS ref FROM payments p
               WHERE p.status = 'COMPLETED' AND NOT EXISTS (SELECT 1 FROM refunds r WHERE r.payment_id = p.id) AND p.id > ? ORDER BY p.id LIMIT ?`,
      },
      lookup: { database: 'order', sql: `SELECT o.id AS ref FROM orders o WHERE o.status IN ('EXPIRED', 'CANCELLED') AND o.id IN (?)` },
      violation: 'ref_found',
    },
  ],
  evidence: { fields: EVIDENCE_FIELDS, storedIn: 'reconciler.replay_runs' },
};
