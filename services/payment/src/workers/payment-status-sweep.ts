/**
 * Finds payment outcomes whose webhook never arrived. A PENDING payment older than the poll
 * threshold is looked up at the provider; a final state it reports there is applied as a provider
 * event with a deterministic id (`poll:<provider payment id>:<status>`) through the webhook's own
 * code path (decision, guarded transition, history, outbox event, inbox row), so two sweeps or two
 * replicas apply it once and the real webhook arriving afterwards is a recorded duplicate.
 */
import type { FieldKeyring } from '@flash-sale/events';
import { PeriodicTask, counter, type Logger } from '@flash-sale/service-kit';
import type { Pool } from 'mysql2/promise';
import type { Registry } from 'prom-client';
import { providerEventSchema, type ProviderEvent } from '../domain/provider-event.ts';
import { listPendingPaymentsToPoll, markStatusPolled, type PendingPaymentToPoll } from '../infra/payment.repository.ts';
import type { PaymentProvider, ProviderPayment } from '../infra/payment-provider.client.ts';
import { polledEventId, receiveProviderEvent } from '../application/receive-provider-event.ts';
import type { RefundDispatcher } from './refund-dispatcher.ts';

export interface PaymentStatusSweepOptions {
  pool: Pool;
  provider: PaymentProvider;
  refunds: Pick<RefundDispatcher, 'submit'>;
  logger: Logger;
  metrics: Registry;
  now: () => Date;
  /** Only payments opened this long ago are polled, and each at most once per this period. */
  pollAfterMs: number;
  /** Payments polled per sweep. */
  batchSize?: number;
  /** Seal the restricted fields of the events a polled result causes. */
  fieldKeys?: FieldKeyring | undefined;
}

export interface SweepRun {
  polled: number;
  /** Payments moved to COMPLETED or FAILED by what the provider reported. */
  repaired: number;
  failed: number;
}

export interface PaymentStatusSweep {
  sweep(): Promise<SweepRun>;
  start(intervalMs: number): void;
  stop(): Promise<void>;
}

type PollResult = 'pending' | 'repaired' | 'settled-already' | 'failed';

/** The provider's answer as the provider event its webhook would have carried, or undefined while not final. */
function polledEvent(answer: ProviderPayment, now: Date): ProviderEvent | undefined {
  const data = { payment_id: answer.providerPaymentId, reference: answer.reference, amount_minor: answer.amountMinor, currency: answer.currency };
  const common = { id: polledEventId(answer.providerPaymentId, answer.status), created: Math.floor(now.getTime() / 1000) };
  let candidate: unknown;
  if (answer.status === 'succeeded') candidate = { ...common, type: 'payment.succeeded', data: { ...data, transaction_id: answer.transactionId } };
  else if (answer.status === 'failed') candidate = { ...common, type: 'payment.failed', data: { ...data, failure_reason: answer.failureReason ?? undefined } };
  else return undefined;
  const parsed = providerEventSchema.safeParse(candidate);
  if (!parsed.success) throw new Error(`provider reported ${answer.status} for ${answer.providerPaymentId} without what its webhook carries`);
  return parsed.data;
}

export function createPaymentStatusSweep(options: PaymentStatusSweepOptions): PaymentStatusSweep {
  const { pool, provider, refunds, logger, now, pollAfterMs } = options;
  const batchSize = options.batchSize ?? 50;
  const polls = counter(options.metrics, 'payment_status_polls_total', 'Provider status polls of PENDING payments, by result', ['result']);
  const repairs = counter(options.metrics, 'payment_status_poll_repairs_total', 'PENDING payments settled from a provider status poll (webhook missing)', [
    'to',
  ]);

  const pollOne = async (payment: PendingPaymentToPoll): Promise<PollResult> => {
    let answer: ProviderPayment;
    try {
      answer = await provider.getPayment(payment.providerPaymentId);
    } catch (error) {
      logger.warn(
        { err: error, payment_id: payment.id, provider_payment_id: payment.providerPaymentId },
        'payment status poll failed; the next sweep asks again',
      );
      await markStatusPolled(pool, payment.id, now());
      return 'failed';
    }
    const at = now();
    await markStatusPolled(pool, payment.id, at);
    const event = polledEvent(answer, at);
    if (!event) return 'pending';
    const result = await receiveProviderEvent(pool, { event, rawBody: answer.rawBody, signedAt: at, source: 'poll' }, at, options.fieldKeys);
    for (const refundId of result.refundsToSubmit) void refunds.submit(refundId);
    if (result.outcome !== 'APPLIED' || result.duplicate) {
      // Already settled meanwhile (a webhook or another replica), or refused and recorded as a webhook would be.
      logger.info(
        { payment_id: payment.id, provider_event_id: event.id, outcome: result.outcome, duplicate: result.duplicate },
        'polled payment status not applied',
      );
      return 'settled-already';
    }
    const to = event.type === 'payment.succeeded' ? 'COMPLETED' : 'FAILED';
    repairs.inc({ to });
    logger.warn(
      { payment_id: payment.id, provider_payment_id: payment.providerPaymentId, to },
      'payment settled from a provider status poll: its webhook never arrived',
    );
    return 'repaired';
  };

  const sweep = async (): Promise<SweepRun> => {
    const at = now();
    const threshold = new Date(at.getTime() - pollAfterMs);
    const due = await listPendingPaymentsToPoll(pool, { openedBefore: threshold, polledBefore: threshold, limit: batchSize });
    const run: SweepRun = { polled: 0, repaired: 0, failed: 0 };
    for (const payment of due) {
      let result: PollResult;
      try {
        result = await pollOne(payment);
      } catch (error) {
        logger.error({ err: error, payment_id: payment.id }, 'polled payment status could not be applied');
        result = 'failed';
      }
      polls.inc({ result });
      run.polled += 1;
      if (result === 'repaired') run.repaired += 1;
      if (result === 'failed') run.failed += 1;
    }
    return run;
  };

  const schedule = new PeriodicTask('payment status sweep', sweep, logger);
  return {
    sweep,
    start(intervalMs) {
      schedule.start(intervalMs);
    },
    async stop() {
      await schedule.stop();
    },
  };
}
