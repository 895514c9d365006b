/** The payment service's view of orders, maintained by the order-event handlers. */
import { utcDate, type Sql } from '@flash-sale/service-kit';
import type { RowDataPacket } from 'mysql2/promise';
import type { OrderState } from '../domain/decide-provider-event.ts';

export type OrderViewStatus = OrderState['status'];

export interface OrderView {
  orderId: string;
  tenantId: string;
  userId: string;
  totalMinor: number;
  currency: string;
  status: OrderViewStatus;
  expiresAt: Date;
  traceId: string;
}

export interface NewOrderView extends Omit<OrderView, 'status'> {
  /** NULL when the row was learned from the order service rather than from an event. */
  eventId: string | null;
}

export async function insertOrderView(sql: Sql, order: NewOrderView, now: Date): Promise<void> {
  // A redelivered order.created must not resurrect an order that has since ended.
  await sql.query(
    `INSERT INTO order_view (order_id, tenant_id, user_id, total_minor, currency, status, expires_at, trace_id, last_event_id, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, 'PENDING', ?, ?, ?, ?, ?)
     ON DUPLICATE KEY UPDATE order_id = order_id`,
    [order.orderId, order.tenantId, order.userId, order.totalMinor, order.currency, order.expiresAt, order.traceId, order.eventId, now, now],
  );
}

/** PENDING -> CANCELLED | EXPIRED; false when the order was unknown or had already ended. */
export async function endOrderView(sql: Sql, orderId: string, status: 'CANCELLED' | 'EXPIRED', eventId: string | null, now: Date): Promise<boolean> {
  const [result] = await sql.query(`UPDATE order_view SET status = ?, last_event_id = ?, updated_at = ? WHERE order_id = ? AND status = 'PENDING'`, [
    status,
    eventId,
    now,
    orderId,
  ]);
  return (result as { affectedRows: number }).affectedRows === 1;
}

export async function findOrderView(sql: Sql, orderId: string, options: { forUpdate?: boolean } = {}): Promise<OrderView | undefined> {
  const [rows] = await sql.query<RowDataPacket[]>(
    `SELECT order_id, tenant_id, user_id, total_minor, currency, status, expires_at, trace_id FROM order_view WHERE order_id = ?${options.forUpdate ? ' FOR UPDATE' : ''}`,
    [orderId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    orderId: String(row.order_id),
    tenantId: String(row.tenant_id),
    userId: String(row.user_id),
    totalMinor: Number(row.total_minor),
    currency: String(row.currency),
    status: row.status as OrderViewStatus,
    expiresAt: utcDate(row.expires_at as string | Date),
    traceId: String(row.trace_id),
  };
}
