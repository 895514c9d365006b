/**
 * Paid orders that can never be CONFIRMED: the shopper paid (order PAID, or PENDING with a COMPLETED
 * payment), but inventory refused the order's `order.created` (dead-lettered: the books lacked the
 * units) so no reservation will ever exist and `stock.committed` never comes. Found as: the event
 * left the order outbox, `unconfirmableAfterMs` after the order was placed the inventory books
 * still have no row for it, nobody has refunded the payment yet, AND the broker proves inventory's
 * consumer group read past the event (`infra/consumer-progress.ts`). Without that proof (inventory
 * down or behind) the order is reported as `paid_order_awaiting_inventory` and left alone: a
 * consumer that has not read an event has not refused it.
 *
 * The repair, in one transaction across the schemas:
 * - fences the books: a `released_before_created` reservation (reason `unconfirmable`), so a
 *   redriven or late `order.created` decrements nothing and the order's later `order.refunded`
 *   finds nothing to give back; if inventory committed the order meanwhile, nothing is done;
 * - requests the refund the way the payment service requests its automatic ones: a REQUESTED row
 *   in `refunds` (one per payment, whoever asks first) and a `refund.requested.automatic` history
 *   row. The payment service's refund sweep submits it to the provider; the provider's webhook
 *   makes the payment REFUNDED, and `payment.refunded` moves the order to REFUNDED.
 * The run's sample ids name the orders; each repair is logged with its payment and refund.
 */
import { randomUUID } from 'node:crypto';
import { orderCreated } from '@flash-sale/events';
import { withTransaction } from '@flash-sale/service-kit';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { consumerProgress } from '../infra/consumer-progress.ts';
import { utc } from '../infra/sql.ts';
import { Tally, type JobDeps, type ReconciliationJob } from './job.ts';

interface Row extends RowDataPacket {
  order_id: string;
  tenant_id: string;
  sale_id: string;
  sku_id: string;
  quantity: number;
  order_status: 'PAID' | 'PENDING';
  payment_id: string;
  amount_minor: number | string;
  currency: string;
  /** When the order service's relay published `order.created`; null once its outbox row was purged. */
  published_at: string | null;
}

const ANOMALY = 'paid_order_refused_by_inventory';
const AWAITING = 'paid_order_awaiting_inventory';
/** Broker and database clocks differ a little; the proof asks about a moment safely after the publish. */
const CLOCK_SKEW_MS = 5_000;
const REASON = 'order refused by inventory; it can never be confirmed';

export const paidUnconfirmableJob: ReconciliationJob = {
  name: 'paid-unconfirmable',
  description: 'Paid orders whose order.created inventory refused (no reservation after the grace period): fence the books and refund the payment',
  everyMs: 60_000,
  async run(deps: JobDeps) {
    const t = deps.tables;
    const tally = new Tally(deps.logger);
    const cutoff = new Date(deps.now().getTime() - deps.thresholds.unconfirmableAfterMs);
    const [rows] = await deps.pool.query<Row[]>(
      `SELECT o.id AS order_id, o.tenant_id, o.sale_id, o.sku_id, o.quantity, o.status AS order_status,
              p.id AS payment_id, p.amount_minor, p.currency,
              (SELECT MAX(x.published_at) FROM ${t.order('outbox')} x WHERE x.partition_key = o.id AND x.event_type = 'order.created.v1') AS published_at
         FROM ${t.order('orders')} o
         JOIN ${t.payment('payments')} p ON p.order_id = o.id AND p.status = 'COMPLETED'
        WHERE o.status IN ('PAID', 'PENDING') AND o.stock_committed = 0 AND o.created_at <= ?
          AND NOT EXISTS (SELECT 1 FROM ${t.inventory('stock_reservations')} r WHERE r.order_id = o.id)
          AND NOT EXISTS (SELECT 1 FROM ${t.payment('refunds')} f WHERE f.payment_id = p.id)
          -- Still in the order outbox: inventory has not seen it yet (stuck-outbox's case, not this one).
          AND NOT EXISTS (SELECT 1 FROM ${t.order('outbox')} x WHERE x.partition_key = o.id AND x.event_type = 'order.created.v1' AND x.published_at IS NULL)
        ORDER BY o.created_at LIMIT 1000`,
      [cutoff],
    );
    tally.checked = rows.length;
    if (rows.length === 0) return tally.outcome();
    const inventory = await consumerProgress(deps.kafka, `${deps.consumerGroupPrefix}inventory`, `${deps.topicPrefix}${orderCreated.topic}`);
    try {
      for (const row of rows) {
        // A purged outbox row was published at least the relay's retention (days) ago; the cutoff is a safe bound then.
        const publishedAt = utc(row.published_at) ?? cutoff;
        if (!(await inventory.readPast(new Date(publishedAt.getTime() + CLOCK_SKEW_MS)))) {
          tally.found(AWAITING, row.order_id);
          deps.logger.warn({ order_id: row.order_id, published_at: publishedAt.toISOString() }, 'paid order without a reservation, but inventory has not read its order.created yet; not refunded');
          continue;
        }
        await refuse(deps, tally, row);
      }
    } finally {
      await inventory.close();
    }
    return tally.outcome();
  },
};

/** Fences the books and requests the refund, in one transaction across the schemas. */
async function refuse(deps: JobDeps, tally: Tally, row: Row): Promise<void> {
  const t = deps.tables;
  tally.found(ANOMALY, row.order_id);
  await tally.repair(ANOMALY, row.order_id, () =>
    withTransaction(deps.pool, async (tx) => {
      const [fenced] = await tx.query<ResultSetHeader>(
        `INSERT IGNORE INTO ${t.inventory('stock_reservations')} (order_id, tenant_id, sale_id, sku_id, quantity, status, release_reason, released_at)
         VALUES (?, ?, ?, ?, ?, 'released_before_created', 'unconfirmable', CURRENT_TIMESTAMP(6))`,
        [row.order_id, row.tenant_id, row.sale_id, row.sku_id, Number(row.quantity)],
      );
      // A row appeared since the read: inventory took the order after all, so it is confirmable.
      if (fenced.affectedRows !== 1) return false;

      const at = deps.now();
      const refundId = randomUUID();
      const [requested] = await tx.query<ResultSetHeader>(
        `INSERT IGNORE INTO ${t.payment('refunds')} (id, payment_id, order_id, tenant_id, amount_minor, currency, reason, initiated_by, requested_by, status, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'automatic', 'reconciler', 'REQUESTED', ?)`,
        [refundId, row.payment_id, row.order_id, row.tenant_id, row.amount_minor, row.currency, REASON, at],
      );
      // Someone refunded it in between (ops, or the payment service): the fence alone is the repair.
      if (requested.affectedRows !== 1) return true;
      await tx.query(
        `INSERT INTO ${t.payment('payment_status_history')} (payment_id, from_status, to_status, accepted, cause, provider_event_id, details, created_at)
         VALUES (?, 'COMPLETED', 'COMPLETED', 1, 'refund.requested.automatic', NULL, ?, ?)`,
        [row.payment_id, JSON.stringify({ refund_id: refundId, reason: REASON, requested_by: `reconciler:${paidUnconfirmableJob.name}`, order_id: row.order_id }), at],
      );
      deps.logger.warn(
        { order_id: row.order_id, order_status: row.order_status, payment_id: row.payment_id, refund_id: refundId, sale_id: row.sale_id, quantity: Number(row.quantity) },
        'paid order refused by inventory: books fenced, refund requested',
      );
      return true;
    }),
  );
}
