/**
 * Sends REQUESTED refunds to the provider. A refund is first written (in the transaction that
 * decided it), then submitted: right away by whoever created it, and by a periodic sweep for any
 * the provider did not accept (down, timeout, crash between commit and call). The provider call
 * is idempotent on the refund id, so a double submit is harmless.
 */
import { PeriodicTask, type Logger } from '@flash-sale/service-kit';
import type { Pool } from 'mysql2/promise';
import { findPayment } from '../infra/payment.repository.ts';
import { PaymentProviderError, type PaymentProvider } from '../infra/payment-provider.client.ts';
import { findRefund, listUnsubmittedRefunds, markRefundSubmitted, recordRefundSubmitFailure } from '../infra/refund.repository.ts';

export interface RefundDispatcher {
  /** Submits one refund; never throws (a failure is recorded and left to the sweep). */
  submit(refundId: string): Promise<'submitted' | 'failed' | 'not-due'>;
  /** One sweep over unsubmitted refunds; returns how many the provider accepted. */
  sweep(): Promise<number>;
  start(intervalMs: number): void;
  stop(): Promise<void>;
}

export function createRefundDispatcher(deps: { pool: Pool; provider: PaymentProvider; logger: Logger; now: () => Date }): RefundDispatcher {
  const { pool, provider, logger, now } = deps;
  const inFlight = new Set<Promise<unknown>>();

  const submitOnce = async (refundId: string): Promise<'submitted' | 'failed' | 'not-due'> => {
    try {
      const refund = await findRefund(pool, refundId);
      if (!refund || refund.status !== 'REQUESTED') return 'not-due';
      const payment = await findPayment(pool, refund.paymentId);
      if (!payment?.providerPaymentId) throw new PaymentProviderError(`payment ${refund.paymentId} has no provider payment id`, { retryable: false });
      const { providerRefundId } = await provider.refundPayment({
        providerPaymentId: payment.providerPaymentId,
        amountMinor: refund.amountMinor,
        reference: refund.id,
        reason: refund.reason,
        idempotencyKey: refund.id,
      });
      await markRefundSubmitted(pool, refund.id, providerRefundId, now());
      logger.info({ refund_id: refund.id, payment_id: refund.paymentId, provider_refund_id: providerRefundId }, 'refund submitted to provider');
      return 'submitted';
    } catch (error) {
      logger.warn({ err: error, refund_id: refundId }, 'refund submission failed; the sweep retries it');
      await recordRefundSubmitFailure(pool, refundId, (error as Error).message).catch(() => undefined);
      return 'failed';
    }
  };

  // Tracked so that stop() waits for submissions started by request handlers, too.
  const submit: RefundDispatcher['submit'] = (refundId) => {
    const attempt = submitOnce(refundId);
    inFlight.add(attempt);
    void attempt.finally(() => inFlight.delete(attempt));
    return attempt;
  };

  const sweep = async () => {
    const due = await listUnsubmittedRefunds(pool, 50);
    let submitted = 0;
    for (const refund of due) if ((await submit(refund.id)) === 'submitted') submitted += 1;
    return submitted;
  };

  const schedule = new PeriodicTask('refund sweep', sweep, logger);
  return {
    submit,
    sweep,
    start(intervalMs) {
      schedule.start(intervalMs);
    },
    async stop() {
      await schedule.stop();
      await Promise.allSettled([...inFlight]);
    },
  };
}
