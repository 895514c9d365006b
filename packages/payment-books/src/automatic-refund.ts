import { randomUUID } from 'node:crypto';
import { isDuplicateKey, type Sql } from '@flash-sale/service-kit';
import type { RowDataPacket } from 'mysql2/promise';

/** What a refund is made of: the payment it gives back, in full. */
export interface RefundablePayment {
  id: string;
  orderId: string;
  tenantId: string;
  amountMinor: number;
  currency: string;
}

export interface AutomaticRefund {
  /** Who asks (`refunds.requested_by`): `payment-service`, `reconciler`. */
  requestedBy: string;
  reason: string;
  /** Joined to the history row's details (the event or job that asked). */
  details?: Record<string, unknown>;
}

/**
 * Asks for the payment's full refund once, in the caller's transaction: a REQUESTED row in `refunds`
 * (one per payment, whoever asks first wins: an existing refund, ops' or another automatic one, is
 * returned with `created: false` and nothing is written) and a `refund.requested.automatic` history
 * row. The payment stays COMPLETED until the provider confirms the refund; the payment service's
 * refund sweep submits it.
 */
export async function requestAutomaticRefund(
  sql: Sql,
  payment: RefundablePayment,
  request: AutomaticRefund,
  now: Date,
): Promise<{ refundId: string; created: boolean }> {
  const refundId = randomUUID();
  const reason = request.reason.slice(0, 200);
  try {
    await sql.query(
      `INSERT INTO refunds (id, payment_id, order_id, tenant_id, amount_minor, currency, reason, initiated_by, requested_by, status, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'automatic', ?, 'REQUESTED', ?)`,
      [refundId, payment.id, payment.orderId, payment.tenantId, payment.amountMinor, payment.currency, reason, request.requestedBy, now],
    );
  } catch (error) {
    if (!isDuplicateKey(error)) throw error;
    const [existing] = await sql.query<RowDataPacket[]>('SELECT id FROM refunds WHERE payment_id = ?', [payment.id]);
    if (!existing[0]) throw error;
    return { refundId: String(existing[0].id), created: false };
  }
  await sql.query(
    `INSERT INTO payment_status_history (payment_id, from_status, to_status, accepted, cause, provider_event_id, details, created_at)
     VALUES (?, 'COMPLETED', 'COMPLETED', 1, 'refund.requested.automatic', NULL, ?, ?)`,
    [payment.id, JSON.stringify({ refund_id: refundId, reason, ...request.details }), now],
  );
  return { refundId, created: true };
}
