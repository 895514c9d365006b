/**
 * An ops refund of a completed payment: recorded first, then submitted to the provider. The
 * payment becomes REFUNDED only when the provider's webhook confirms it.
 */
import { conflict, notFound, type Principal, withTransaction } from '@flash-sale/service-kit';
import type { Pool } from 'mysql2/promise';
import { appendHistory, findPayment } from '../infra/payment.repository.ts';
import { findRefund, requestRefund, type Refund } from '../infra/refund.repository.ts';
import type { RefundDispatcher } from '../workers/refund-dispatcher.ts';

export async function requestOpsRefund(
  deps: { pool: Pool; refunds: RefundDispatcher; now: () => Date },
  principal: Principal,
  paymentId: string,
  reason: string,
): Promise<{ refund: Refund; created: boolean }> {
  const { pool, refunds, now } = deps;
  const result = await withTransaction(pool, async (tx) => {
    const payment = await findPayment(tx, paymentId, { forUpdate: true });
    if (!payment || payment.tenantId !== principal.tenantId) throw notFound('payment', { payment_id: paymentId });
    if (payment.status !== 'COMPLETED' && payment.status !== 'REFUNDED') {
      throw conflict('PAYMENT_NOT_REFUNDABLE', `a ${payment.status} payment cannot be refunded`, { payment_id: paymentId, status: payment.status });
    }
    const requested = await requestRefund(
      tx,
      {
        paymentId,
        orderId: payment.orderId,
        tenantId: payment.tenantId,
        amountMinor: payment.amountMinor,
        currency: payment.currency,
        reason,
        initiatedBy: 'ops',
        requestedBy: principal.userId,
      },
      now(),
    );
    if (requested.created) {
      await appendHistory(tx, {
        paymentId,
        from: payment.status,
        to: payment.status,
        accepted: true,
        cause: 'refund.requested.ops',
        providerEventId: null,
        details: { refund_id: requested.refund.id, requested_by: principal.userId, reason },
        now: now(),
      });
    }
    return requested;
  });
  if (result.refund.status !== 'REQUESTED') return result;
  await refunds.submit(result.refund.id);
  return { refund: (await findRefund(pool, result.refund.id)) ?? result.refund, created: result.created };
}
