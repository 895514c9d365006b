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
 * The orders, their payments and their reservations live in three databases (ADR 0010): the
 * candidates are read in keyset pages from the order database, and each page's COMPLETED payments
 * without a refund (payment database) and reservations (inventory database) are looked up by id.
 *
 * The repair is two ordered steps, one transaction in one database each, both idempotent:
 * 1. inventory: fence the books with a `released_before_created` reservation (reason
 *    `unconfirmable`), so a redriven or late `order.created` decrements nothing and the order's
 *    later `order.refunded` finds nothing to give back; if inventory committed the order
 *    meanwhile (another row is there), stop: the order is confirmable;
 * 2. payment: request the refund the way the payment service requests its automatic ones: a
 *    REQUESTED row in `refunds` (one per payment, whoever asks first) and a
 *    `refund.requested.automatic` history row. The payment service's refund sweep submits it to
 *    the provider; the provider's webhook makes the payment REFUNDED, and `payment.refunded`
 *    moves the order to REFUNDED.
 * Fence first: a refund is only asked for an order the books can no longer take. A crash between
 * the steps leaves a fenced order with no refund, which the next run finds (its own fence counts
 * as "no reservation") and finishes with step 2; step 1 then finds its fence and goes on.
 * The run's sample ids name the orders; each repair is logged with its payment and refund.
 */
import { orderCreated } from '@flash-sale/events';
import { requestAutomaticRefund } from '@flash-sale/payment-books';
import { withTransaction, utcDate } from '@flash-sale/service-kit';
import type { ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import { consumerProgress, type ConsumerProgress } from '../../infra/consumer-progress.ts';
import { SCAN_PAGE, selectIn, selectInBy } from '../../infra/service-databases.ts';
import { Tally, type JobDeps, type ReconciliationJob } from './job.ts';

interface OrderRow extends RowDataPacket {
  order_id: string;
  tenant_id: string;
  sale_id: string;
  sku_id: string;
  quantity: number;
  order_status: 'PAID' | 'PENDING';
  created_at: string;
  /** When the order service's relay published `order.created`; null once its outbox row was purged. */
  published_at: string | null;
}

interface PaymentRow extends RowDataPacket {
  order_id: string;
  payment_id: string;
  amount_minor: number | string;
  currency: string;
}

interface ReservationRow extends RowDataPacket {
  order_id: string;
  status: string;
  release_reason: string | null;
}

type Candidate = Pick<OrderRow, 'order_id' | 'tenant_id' | 'sale_id' | 'sku_id' | 'quantity' | 'order_status' | 'published_at'> & Omit<PaymentRow, 'order_id'>;

const ANOMALY = 'paid_order_refused_by_inventory';
const AWAITING = 'paid_order_awaiting_inventory';
/** Broker and database clocks differ a little; the proof asks about a moment safely after the publish. */
const CLOCK_SKEW_MS = 5_000;
const REASON = 'order refused by inventory; it can never be confirmed';
/** The release reason of this job's fence: a reservation with it is step 1 done, not inventory's. */
const FENCE_REASON = 'unconfirmable';
/** As before the split: a run looks at this many candidates at most; the next run takes the rest. */
const MAX_CANDIDATES_PER_RUN = 1000;

/** This job's own fence (step 1 done, step 2 perhaps not) reads as "no reservation". */
const isOwnFence = (row: ReservationRow | undefined) => row?.status === 'released_before_created' && row.release_reason === FENCE_REASON;

export const paidUnconfirmableJob: ReconciliationJob = {
  name: 'paid-unconfirmable',
  description: 'Paid orders whose order.created inventory refused (no reservation after the grace period): fence the books and refund the payment',
  everyMs: 60_000,
  async run(deps: JobDeps) {
    const tally = new Tally(deps.logger);
    const cutoff = new Date(deps.now().getTime() - deps.thresholds.unconfirmableAfterMs);
    let inventory: ConsumerProgress | undefined;
    try {
      let after: [string, string] | undefined;
      while (tally.checked < MAX_CANDIDATES_PER_RUN) {
        const [orders] = await deps.databases.order.query<OrderRow[]>(
          `SELECT o.id AS order_id, o.tenant_id, o.sale_id, o.sku_id, o.quantity, o.status AS order_status, o.created_at,
                  (SELECT MAX(x.published_at) FROM outbox x WHERE x.partition_key = o.id AND x.event_type = 'order.created.v1') AS published_at
             FROM orders o
            WHERE o.status IN ('PAID', 'PENDING') AND o.stock_committed = 0 AND o.created_at <= ? ${after ? 'AND (o.created_at, o.id) > (?, ?)' : ''}
              -- Still in the order outbox: inventory has not seen it yet (stuck-outbox's case, not this one).
              AND NOT EXISTS (SELECT 1 FROM outbox x WHERE x.partition_key = o.id AND x.event_type = 'order.created.v1' AND x.published_at IS NULL)
            ORDER BY o.created_at, o.id LIMIT ?`,
          [cutoff, ...(after ?? []), SCAN_PAGE],
        );
        const last = orders.at(-1);
        if (!last) break;
        after = [last.created_at, last.order_id];
        const candidates = await candidatesOf(deps, orders);
        tally.checked += candidates.length;
        if (candidates.length > 0)
          inventory ??= await consumerProgress(deps.kafka, `${deps.consumerGroupPrefix}inventory`, `${deps.topicPrefix}${orderCreated.topic}`);
        for (const row of candidates) {
          // A purged outbox row was published at least the relay's retention (days) ago; the cutoff is a safe bound then.
          const publishedAt = row.published_at === null ? cutoff : utcDate(row.published_at);
          if (!(await inventory?.readPast(new Date(publishedAt.getTime() + CLOCK_SKEW_MS)))) {
            tally.found(AWAITING, row.order_id);
            deps.logger.warn(
              { order_id: row.order_id, published_at: publishedAt.toISOString() },
              'paid order without a reservation, but inventory has not read its order.created yet; not refunded',
            );
            continue;
          }
          await refuse(deps, tally, row);
        }
        if (orders.length < SCAN_PAGE) break;
      }
    } finally {
      await inventory?.close();
    }
    return tally.outcome();
  },
};

/** A page's orders with a COMPLETED, unrefunded payment and no reservation but this job's fence. */
async function candidatesOf(deps: JobDeps, orders: readonly OrderRow[]): Promise<Candidate[]> {
  const payments = await selectIn<PaymentRow>(
    deps.databases.payment,
    `SELECT p.order_id, p.id AS payment_id, p.amount_minor, p.currency FROM payments p
      WHERE p.status = 'COMPLETED' AND NOT EXISTS (SELECT 1 FROM refunds f WHERE f.payment_id = p.id) AND p.order_id IN (?)`,
    orders.map((order) => order.order_id),
  );
  if (payments.length === 0) return [];
  const reservations = await selectInBy<ReservationRow>(
    deps.databases.inventory,
    'order_id',
    'SELECT order_id, status, release_reason FROM stock_reservations WHERE order_id IN (?)',
    payments.map((payment) => payment.order_id),
  );
  const byId = new Map(orders.map((order) => [order.order_id, order]));
  return payments.flatMap((payment) => {
    const order = byId.get(payment.order_id);
    const reservation = reservations.get(payment.order_id);
    if (!order || (reservation && !isOwnFence(reservation))) return [];
    const { order_id, tenant_id, sale_id, sku_id, quantity, order_status, published_at } = order;
    return [
      {
        order_id,
        tenant_id,
        sale_id,
        sku_id,
        quantity,
        order_status,
        published_at,
        payment_id: payment.payment_id,
        amount_minor: payment.amount_minor,
        currency: payment.currency,
      },
    ];
  });
}

/** Step 1 in the inventory database, then step 2 in the payment database; each re-checks its guard. */
async function refuse(deps: JobDeps, tally: Tally, row: Candidate): Promise<void> {
  tally.found(ANOMALY, row.order_id);
  await tally.repair(ANOMALY, row.order_id, async () => {
    if (!(await fenceBooks(deps, row))) return false;
    return requestRefund(deps, row);
  });
}

/** True when the books hold this job's fence for the order (written now or by an earlier run). */
async function fenceBooks(deps: JobDeps, row: Candidate): Promise<boolean> {
  const [fenced] = await deps.databases.inventory.query<ResultSetHeader>(
    `INSERT IGNORE INTO stock_reservations (order_id, tenant_id, sale_id, sku_id, quantity, status, release_reason, released_at)
     VALUES (?, ?, ?, ?, ?, 'released_before_created', ?, CURRENT_TIMESTAMP(6))`,
    [row.order_id, row.tenant_id, row.sale_id, row.sku_id, Number(row.quantity), FENCE_REASON],
  );
  if (fenced.affectedRows === 1) return true;
  // A row was there: an earlier run's fence (go on to step 2), or inventory took the order after all.
  const [existing] = await deps.databases.inventory.query<ReservationRow[]>(
    'SELECT order_id, status, release_reason FROM stock_reservations WHERE order_id = ?',
    [row.order_id],
  );
  return isOwnFence(existing[0]);
}

async function requestRefund(deps: JobDeps, row: Candidate): Promise<boolean> {
  return withTransaction(deps.databases.payment, async (tx) => {
    const { refundId, created } = await requestAutomaticRefund(
      tx,
      { id: String(row.payment_id), orderId: row.order_id, tenantId: row.tenant_id, amountMinor: Number(row.amount_minor), currency: String(row.currency) },
      { requestedBy: 'reconciler', reason: REASON, details: { requested_by: `reconciler:${paidUnconfirmableJob.name}`, order_id: row.order_id } },
      deps.now(),
    );
    // Someone refunded it in between (ops, or the payment service): the fence alone is the repair.
    if (!created) return true;
    deps.logger.warn(
      {
        order_id: row.order_id,
        order_status: row.order_status,
        payment_id: row.payment_id,
        refund_id: refundId,
        sale_id: row.sale_id,
        quantity: Number(row.quantity),
      },
      'paid order refused by inventory: books fenced, refund requested',
    );
    return true;
  });
}
