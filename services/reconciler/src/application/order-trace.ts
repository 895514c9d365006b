/**
 * Everything the books know about one order, from the three service databases (each through its
 * own connection, ADR 0010) and Redis, with timestamps:
 * states, events still in the outboxes, audit rows, reservation, payments with their history,
 * webhook inbox rows and refunds. The merged `timeline` answers "at which step is it stuck".
 */
import type { StockReservations } from '@flash-sale/stock-reservations';
import type { RedisClient } from '@flash-sale/service-kit';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { ServiceDatabases } from '../infra/service-databases.ts';

export interface TimelineEntry {
  at: string;
  source: string;
  what: string;
}

export interface OrderTrace {
  order: RowDataPacket;
  history: RowDataPacket[];
  items: RowDataPacket[];
  events: RowDataPacket[];
  inventory: { reservation: RowDataPacket | null; audit: RowDataPacket[] };
  /** The sale's record of the order in Redis: s = H held, C committed, R released. */
  redis: { hold: unknown };
  payments: RowDataPacket[];
  paymentHistory: RowDataPacket[];
  webhookInbox: RowDataPacket[];
  refunds: RowDataPacket[];
  timeline: TimelineEntry[];
}

const EVENT_COLUMNS = 'id, event_id, event_type, topic, created_at, published_at, attempts, next_attempt_at, last_error';

export async function traceOrder(
  deps: { databases: ServiceDatabases; redis: RedisClient; reservations: StockReservations },
  orderId: string,
): Promise<OrderTrace | null> {
  const { order: orders, payment, inventory } = deps.databases;
  const q = async (pool: Pool, sql: string, params: unknown[]) => (await pool.query<RowDataPacket[]>(sql, params))[0];
  const [order] = await q(orders, 'SELECT * FROM orders WHERE id = ?', [orderId]);
  if (!order) return null;
  const [history, items, orderEvents, reservations, audit, inventoryEvents, payments, paymentEvents, refunds] = await Promise.all([
    q(orders, `SELECT from_status, to_status, cause, source_event_id, occurred_at FROM order_status_history WHERE order_id = ? ORDER BY id`, [orderId]),
    q(orders, `SELECT line_no, sku_id, quantity, unit_price_minor FROM order_items WHERE order_id = ? ORDER BY line_no`, [orderId]),
    q(orders, `SELECT ${EVENT_COLUMNS}, 'order' AS service FROM outbox WHERE partition_key = ? ORDER BY id`, [orderId]),
    q(inventory, `SELECT * FROM stock_reservations WHERE order_id = ?`, [orderId]),
    q(inventory, `SELECT id, operation, quantity, stock_delta, sku_id, sale_id, event_id, created_at FROM inventory_audit WHERE ref_id = ? ORDER BY id`, [
      orderId,
    ]),
    q(inventory, `SELECT ${EVENT_COLUMNS}, 'inventory' AS service FROM outbox WHERE partition_key = ? ORDER BY id`, [orderId]),
    q(
      payment,
      `SELECT id, status, amount_minor, currency, provider_payment_id, transaction_id, failure_reason, callback_at, created_at, updated_at FROM payments WHERE order_id = ? ORDER BY created_at`,
      [orderId],
    ),
    q(payment, `SELECT ${EVENT_COLUMNS}, 'payment' AS service FROM outbox WHERE partition_key = ? ORDER BY id`, [orderId]),
    q(
      payment,
      `SELECT id, payment_id, status, reason, initiated_by, created_at, submitted_at, completed_at FROM refunds WHERE order_id = ? ORDER BY created_at`,
      [orderId],
    ),
  ]);
  const paymentIds = payments.map((payment) => String(payment.id));
  const [paymentHistory, webhookInbox] = paymentIds.length
    ? await Promise.all([
        q(
          payment,
          `SELECT payment_id, from_status, to_status, accepted, cause, provider_event_id, created_at FROM payment_status_history WHERE payment_id IN (?) ORDER BY id`,
          [paymentIds],
        ),
        q(
          payment,
          `SELECT provider_event_id, event_type, payment_id, signed_at, received_at, processed_at, outcome, outcome_detail, duplicate_deliveries FROM webhook_inbox WHERE payment_id IN (?) ORDER BY received_at`,
          [paymentIds],
        ),
      ])
    : [[], []];
  const rawHold = await deps.redis.hget(deps.reservations.keys(String(order.sale_id)).orders, orderId);
  const events = [...orderEvents, ...inventoryEvents, ...paymentEvents];

  const timeline: TimelineEntry[] = [
    ...history.map((row) => ({
      at: String(row.occurred_at),
      source: 'order',
      what: `${String(row.from_status ?? '∅')} → ${String(row.to_status)} (${String(row.cause)})`,
    })),
    ...events.map((row) => ({
      at: String(row.created_at),
      source: `${String(row.service)} outbox`,
      what: `${String(row.event_type)} ${row.published_at ? `published ${String(row.published_at)}` : `UNPUBLISHED after ${String(row.attempts)} attempt(s)`}`,
    })),
    ...audit.map((row) => ({
      at: String(row.created_at),
      source: 'inventory audit',
      what: `${String(row.operation)} ${String(row.quantity)} (stock ${Number(row.stock_delta) >= 0 ? '+' : ''}${String(row.stock_delta)})`,
    })),
    ...paymentHistory.map((row) => ({
      at: String(row.created_at),
      source: 'payment',
      what: `${String(row.from_status ?? '∅')} → ${String(row.to_status)} ${Number(row.accepted) ? '' : 'REFUSED '}(${String(row.cause)})`,
    })),
    ...webhookInbox.map((row) => ({ at: String(row.received_at), source: 'webhook inbox', what: `${String(row.event_type)}: ${String(row.outcome)}` })),
    ...refunds.map((row) => ({
      at: String(row.created_at),
      source: 'refund',
      what: `${String(row.status)} (${String(row.initiated_by)}: ${String(row.reason)})`,
    })),
  ].sort((a, b) => a.at.localeCompare(b.at));

  return {
    order,
    history,
    items,
    events,
    inventory: { reservation: reservations[0] ?? null, audit },
    redis: { hold: rawHold ? (JSON.parse(rawHold) as unknown) : null },
    payments,
    paymentHistory,
    webhookInbox,
    refunds,
    timeline,
  };
}
