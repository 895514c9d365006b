/**
 * The refund the payment service asks for on its own: a payment completed for an order that ended
 * (cancelled or expired) before or after it, whichever side of the race came second (docs/refunds.md).
 * The refund record and the payment's history row that states it, in the caller's transaction; the
 * payment stays COMPLETED until the provider confirms the refund.
 */
import type { PoolConnection } from 'mysql2/promise';
import { appendHistory, type Payment } from './payment.repository.ts';
import { requestRefund, type Refund } from './refund.repository.ts';

/**
 * Asks for the payment's refund once: when one exists already (whoever asked first wins), nothing
 * is written and `created` is false. `details` join the history row's.
 */
export async function requestAutomaticRefund(
  tx: PoolConnection,
  payment: Payment,
  reason: string,
  now: Date,
  details: Record<string, unknown> = {},
): Promise<{ refund: Refund; created: boolean }> {
  const requested = await requestRefund(
    tx,
    {
      paymentId: payment.id,
      orderId: payment.orderId,
      tenantId: payment.tenantId,
      amountMinor: payment.amountMinor,
      currency: payment.currency,
      reason,
      initiatedBy: 'automatic',
      requestedBy: 'payment-service',
    },
    now,
  );
  if (!requested.created) return requested;
  await appendHistory(tx, {
    paymentId: payment.id,
    // Not a transition yet: the payment stays COMPLETED until the provider confirms the refund.
    from: 'COMPLETED',
    to: 'COMPLETED',
    accepted: true,
    cause: 'refund.requested.automatic',
    providerEventId: null,
    details: { refund_id: requested.refund.id, reason, ...details },
    now,
  });
  return requested;
}
