/**
 * Refund records: REQUESTED (ours, not yet accepted by the provider) -> SUBMITTED (the provider
 * has it) -> SUCCEEDED (its webhook said the money went back). One per payment.
 */
import { isDuplicateKey, type Sql } from '@flash-sale/service-kit';
import { randomUUID } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';

export type RefundStatus = 'REQUESTED' | 'SUBMITTED' | 'SUCCEEDED';
export type RefundInitiator = 'ops' | 'automatic' | 'provider';

export interface Refund {
  id: string;
  paymentId: string;
  orderId: string;
  tenantId: string;
  amountMinor: number;
  currency: string;
  reason: string;
  initiatedBy: RefundInitiator;
  requestedBy: string;
  status: RefundStatus;
  providerRefundId: string | null;
  submitAttempts: number;
  lastError: string | null;
}

const columns =
  'id, payment_id, order_id, tenant_id, amount_minor, currency, reason, initiated_by, requested_by, status, provider_refund_id, submit_attempts, last_error';

const toRefund = (row: RowDataPacket): Refund => ({
  id: String(row.id),
  paymentId: String(row.payment_id),
  orderId: String(row.order_id),
  tenantId: String(row.tenant_id),
  amountMinor: Number(row.amount_minor),
  currency: String(row.currency),
  reason: String(row.reason),
  initiatedBy: row.initiated_by as RefundInitiator,
  requestedBy: String(row.requested_by),
  status: row.status as RefundStatus,
  providerRefundId: (row.provider_refund_id as string | null) ?? null,
  submitAttempts: Number(row.submit_attempts),
  lastError: (row.last_error as string | null) ?? null,
});

export interface RefundRequest {
  paymentId: string;
  orderId: string;
  tenantId: string;
  amountMinor: number;
  currency: string;
  reason: string;
  initiatedBy: RefundInitiator;
  requestedBy: string;
  status?: RefundStatus;
  providerRefundId?: string | null;
}

/** Creates the payment's refund, or returns the one that already exists (whoever asked first wins). */
export async function requestRefund(sql: Sql, request: RefundRequest, now: Date): Promise<{ refund: Refund; created: boolean }> {
  const id = randomUUID();
  try {
    await sql.query(
      `INSERT INTO refunds (id, payment_id, order_id, tenant_id, amount_minor, currency, reason, initiated_by, requested_by, status, provider_refund_id, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        id,
        request.paymentId,
        request.orderId,
        request.tenantId,
        request.amountMinor,
        request.currency,
        request.reason.slice(0, 200),
        request.initiatedBy,
        request.requestedBy,
        request.status ?? 'REQUESTED',
        request.providerRefundId ?? null,
        now,
      ],
    );
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const existing = await findRefundOfPayment(sql, request.paymentId);
    if (!existing) throw error;
    return { refund: existing, created: false };
  }
  const refund = await findRefundOfPayment(sql, request.paymentId);
  if (!refund) throw new Error(`refund ${id} vanished after insert`);
  return { refund, created: true };
}

export async function findRefundOfPayment(sql: Sql, paymentId: string, options: { forUpdate?: boolean } = {}): Promise<Refund | undefined> {
  const [rows] = await sql.query<RowDataPacket[]>(`SELECT ${columns} FROM refunds WHERE payment_id = ?${options.forUpdate ? ' FOR UPDATE' : ''}`, [paymentId]);
  return rows[0] ? toRefund(rows[0]) : undefined;
}

export async function findRefund(sql: Sql, id: string): Promise<Refund | undefined> {
  const [rows] = await sql.query<RowDataPacket[]>(`SELECT ${columns} FROM refunds WHERE id = ?`, [id]);
  return rows[0] ? toRefund(rows[0]) : undefined;
}

/** REQUESTED refunds the provider has not accepted yet, oldest first. */
export async function listUnsubmittedRefunds(sql: Sql, limit: number): Promise<Refund[]> {
  const [rows] = await sql.query<RowDataPacket[]>(`SELECT ${columns} FROM refunds WHERE status = 'REQUESTED' ORDER BY created_at LIMIT ?`, [limit]);
  return rows.map(toRefund);
}

export async function markRefundSubmitted(sql: Sql, id: string, providerRefundId: string, now: Date): Promise<boolean> {
  const [result] = await sql.query(
    `UPDATE refunds SET status = 'SUBMITTED', provider_refund_id = ?, submitted_at = ?, submit_attempts = submit_attempts + 1, last_error = NULL
      WHERE id = ? AND status = 'REQUESTED'`,
    [providerRefundId, now, id],
  );
  return (result as { affectedRows: number }).affectedRows === 1;
}

export async function recordRefundSubmitFailure(sql: Sql, id: string, error: string): Promise<void> {
  await sql.query(`UPDATE refunds SET submit_attempts = submit_attempts + 1, last_error = ? WHERE id = ? AND status = 'REQUESTED'`, [error.slice(0, 500), id]);
}

/** The provider's webhook closes the refund, whether or not our submit call saw its answer. */
export async function markRefundSucceeded(sql: Sql, id: string, providerRefundId: string, now: Date): Promise<boolean> {
  const [result] = await sql.query(
    `UPDATE refunds SET status = 'SUCCEEDED', provider_refund_id = COALESCE(provider_refund_id, ?), completed_at = ?
      WHERE id = ? AND status IN ('REQUESTED', 'SUBMITTED')`,
    [providerRefundId, now, id],
  );
  return (result as { affectedRows: number }).affectedRows === 1;
}
