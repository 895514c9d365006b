/**
 * Payments and their history. Every status change is a guarded UPDATE (`WHERE status IN` the
 * sources the state machine allows): zero rows is a refusal, never a silent success.
 */
import { type Sql } from '@flash-sale/service-kit';
import type { RowDataPacket } from 'mysql2/promise';
import { sourcesOf, type PaymentStatus } from '../domain/payment-state-machine.ts';

export interface Payment {
  id: string;
  orderId: string;
  tenantId: string;
  userId: string;
  amountMinor: number;
  currency: string;
  status: PaymentStatus;
  providerPaymentId: string | null;
  transactionId: string | null;
  redirectUrl: string | null;
  failureReason: string | null;
  callbackAt: string | null;
  createdAt: string;
  updatedAt: string;
}

const columns =
  'id, order_id, tenant_id, user_id, amount_minor, currency, status, provider_payment_id, transaction_id, redirect_url, failure_reason, callback_at, created_at, updated_at';

const toPayment = (row: RowDataPacket): Payment => ({
  id: String(row.id),
  orderId: String(row.order_id),
  tenantId: String(row.tenant_id),
  userId: String(row.user_id),
  amountMinor: Number(row.amount_minor),
  currency: String(row.currency),
  status: row.status as PaymentStatus,
  providerPaymentId: (row.provider_payment_id as string | null) ?? null,
  transactionId: (row.transaction_id as string | null) ?? null,
  redirectUrl: (row.redirect_url as string | null) ?? null,
  failureReason: (row.failure_reason as string | null) ?? null,
  callbackAt: (row.callback_at as string | null) ?? null,
  createdAt: String(row.created_at),
  updatedAt: String(row.updated_at),
});

export async function findPayment(sql: Sql, id: string, options: { forUpdate?: boolean } = {}): Promise<Payment | undefined> {
  const [rows] = await sql.query<RowDataPacket[]>(`SELECT ${columns} FROM payments WHERE id = ?${options.forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ? toPayment(rows[0]) : undefined;
}

/** The order's payment that still counts (open or paid), newest first. */
export async function findLivePaymentOfOrder(sql: Sql, orderId: string): Promise<Payment | undefined> {
  const [rows] = await sql.query<RowDataPacket[]>(
    `SELECT ${columns} FROM payments WHERE order_id = ? AND status IN ('PENDING', 'COMPLETED') ORDER BY created_at DESC LIMIT 1`,
    [orderId],
  );
  return rows[0] ? toPayment(rows[0]) : undefined;
}

export async function findCompletedPaymentsOfOrder(sql: Sql, orderId: string): Promise<Payment[]> {
  const [rows] = await sql.query<RowDataPacket[]>(`SELECT ${columns} FROM payments WHERE order_id = ? AND status = 'COMPLETED' FOR UPDATE`, [orderId]);
  return rows.map(toPayment);
}

export interface NewPayment {
  id: string;
  orderId: string;
  tenantId: string;
  userId: string;
  amountMinor: number;
  currency: string;
}

export async function insertPayment(sql: Sql, payment: NewPayment, cause: string, now: Date): Promise<void> {
  await sql.query(
    `INSERT INTO payments (id, order_id, tenant_id, user_id, amount_minor, currency, status, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, 'PENDING', ?, ?)`,
    [payment.id, payment.orderId, payment.tenantId, payment.userId, payment.amountMinor, payment.currency, now, now],
  );
  await appendHistory(sql, { paymentId: payment.id, from: null, to: 'PENDING', accepted: true, cause, providerEventId: null, details: null, now });
}

/** Records the provider's ids once it accepted the payment; a retry that finds them set changes nothing. */
export async function attachProviderPayment(sql: Sql, id: string, providerPaymentId: string, redirectUrl: string, now: Date): Promise<void> {
  await sql.query('UPDATE payments SET provider_payment_id = ?, redirect_url = ?, updated_at = ? WHERE id = ? AND provider_payment_id IS NULL', [
    providerPaymentId,
    redirectUrl,
    now,
    id,
  ]);
}

/** A PENDING payment the provider knows of, opened before `openedBefore` and not polled since `polledBefore`. */
export interface PendingPaymentToPoll {
  id: string;
  providerPaymentId: string;
}

/** Least recently polled first, so payments the provider keeps pending cannot starve the others. */
export async function listPendingPaymentsToPoll(sql: Sql, options: { openedBefore: Date; polledBefore: Date; limit: number }): Promise<PendingPaymentToPoll[]> {
  const [rows] = await sql.query<RowDataPacket[]>(
    `SELECT id, provider_payment_id FROM payments
      WHERE status = 'PENDING' AND provider_payment_id IS NOT NULL AND created_at <= ?
        AND (status_polled_at IS NULL OR status_polled_at <= ?)
      ORDER BY status_polled_at IS NOT NULL, status_polled_at, created_at
      LIMIT ?`,
    [options.openedBefore, options.polledBefore, options.limit],
  );
  return rows.map((row) => ({ id: String(row.id), providerPaymentId: String(row.provider_payment_id) }));
}

/** Notes that the provider was asked about a payment (whatever it answered). */
export async function markStatusPolled(sql: Sql, id: string, now: Date): Promise<void> {
  await sql.query('UPDATE payments SET status_polled_at = ? WHERE id = ?', [now, id]);
}

export interface Transition {
  paymentId: string;
  from: PaymentStatus;
  to: PaymentStatus;
  cause: string;
  providerEventId: string | null;
  details: Record<string, unknown> | null;
  now: Date;
  set?: { transactionId?: string; providerPaymentId?: string; failureReason?: string; callbackAt?: Date };
}

/** Applies a transition under its guard and records it; false (and nothing written) when refused. */
export async function transitionPayment(sql: Sql, transition: Transition): Promise<boolean> {
  const { set = {} } = transition;
  const [result] = await sql.query(
    `UPDATE payments
        SET status = ?, updated_at = ?,
            transaction_id = COALESCE(?, transaction_id),
            provider_payment_id = COALESCE(provider_payment_id, ?),
            failure_reason = COALESCE(?, failure_reason),
            callback_at = COALESCE(?, callback_at)
      WHERE id = ? AND status = ? AND status IN (?)`,
    [
      transition.to,
      transition.now,
      set.transactionId ?? null,
      set.providerPaymentId ?? null,
      set.failureReason ?? null,
      set.callbackAt ?? null,
      transition.paymentId,
      transition.from,
      sourcesOf(transition.to),
    ],
  );
  if ((result as { affectedRows: number }).affectedRows !== 1) return false;
  await appendHistory(sql, { ...transition, accepted: true });
  return true;
}

export interface HistoryEntry {
  paymentId: string;
  from: PaymentStatus | null;
  to: PaymentStatus;
  accepted: boolean;
  cause: string;
  providerEventId: string | null;
  details: Record<string, unknown> | null;
  now: Date;
}

/** Refusals go here too (accepted = 0): an out-of-order or mismatched event leaves a trace. */
export async function appendHistory(sql: Sql, entry: HistoryEntry): Promise<void> {
  await sql.query(
    `INSERT INTO payment_status_history (payment_id, from_status, to_status, accepted, cause, provider_event_id, details, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      entry.paymentId,
      entry.from,
      entry.to,
      entry.accepted ? 1 : 0,
      entry.cause,
      entry.providerEventId,
      entry.details ? JSON.stringify(entry.details) : null,
      entry.now,
    ],
  );
}

export interface HistoryRow {
  from: string | null;
  to: string;
  accepted: boolean;
  cause: string;
  providerEventId: string | null;
  details: string | null;
  at: string;
}

export async function listHistory(sql: Sql, paymentId: string): Promise<HistoryRow[]> {
  const [rows] = await sql.query<RowDataPacket[]>(
    'SELECT from_status, to_status, accepted, cause, provider_event_id, details, created_at FROM payment_status_history WHERE payment_id = ? ORDER BY id',
    [paymentId],
  );
  return rows.map((row) => ({
    from: (row.from_status as string | null) ?? null,
    to: String(row.to_status),
    accepted: Number(row.accepted) === 1,
    cause: String(row.cause),
    providerEventId: (row.provider_event_id as string | null) ?? null,
    details: (row.details as string | null) ?? null,
    at: String(row.created_at),
  }));
}
