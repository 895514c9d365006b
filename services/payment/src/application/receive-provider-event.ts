/**
 * Stores an authenticated provider event and applies it, in one transaction with the outbox
 * event it causes: either all of (inbox row, payment transition, history, outbox, refund request)
 * commit, or none does and the provider is told to retry.
 *
 * A result learnt by asking the provider (the status sweep, when a webhook never came) takes the
 * same path, as an event with a deterministic id (`poll:<provider payment id>:<status>`): a second
 * poll of it is an inbox duplicate, and the real webhook arriving later finds the payment already
 * holding its outcome and is recorded as a duplicate, with no second effect.
 */
import { withTransaction } from '@flash-sale/service-kit';
import { paymentCompleted, paymentFailed, paymentRefunded, prepareEvent, writeOutbox, type FieldKeyring, type PendingEvent } from '@flash-sale/events';
import type { Pool, PoolConnection } from 'mysql2/promise';
import { decideProviderEvent } from '../domain/decide-provider-event.ts';
import type { ProviderEvent } from '../domain/provider-event.ts';
import { REFUND_REQUESTER, requestAutomaticRefund } from '../infra/automatic-refund.ts';
import { findOrderView, type OrderView } from '../infra/order-view.repository.ts';
import { appendHistory, findPayment, transitionPayment, type Payment } from '../infra/payment.repository.ts';
import { findRefundOfPayment, markRefundSucceeded, requestRefund } from '../infra/refund.repository.ts';
import { insertInboxEntry, noteDuplicateDelivery, settleInboxEntry, type InboxOutcome } from '../infra/webhook-inbox.repository.ts';

export interface ReceivedEvent {
  /** The parsed event, or only its id and type when the type is not one the service acts on. */
  event: ProviderEvent | { id: string; type: string; known: false };
  rawBody: string;
  /** When the provider signed the webhook; for a polled result, when the provider was asked. */
  signedAt: Date;
  /** How the event reached us; defaults to 'webhook'. */
  source?: EventSource;
}

export type EventSource = 'webhook' | 'poll';

/** The inbox id of a payment outcome read from the provider: the same for every poll and replica. */
export const polledEventId = (providerPaymentId: string, providerStatus: string): string => `poll:${providerPaymentId}:${providerStatus}`;

export interface ReceiveResult {
  outcome: InboxOutcome;
  /** The event id was stored before, or the event reports the outcome the payment already holds. */
  duplicate: boolean;
  paymentId: string | null;
  /** Refunds this event created that should be sent to the provider now. */
  refundsToSubmit: string[];
}

const eventContext = (order: OrderView) => ({ source: 'payment', tenantId: order.tenantId, correlationId: order.orderId, traceId: order.traceId });

/** `fieldKeys` seal the restricted fields of the events this writes (the provider's transaction id). */
export async function receiveProviderEvent(pool: Pool, received: ReceivedEvent, now: Date, fieldKeys?: FieldKeyring): Promise<ReceiveResult> {
  const { event } = received;
  const stored = await withTransaction(pool, async (tx) => {
    const inserted = await insertInboxEntry(tx, {
      providerEventId: event.id,
      eventType: event.type,
      rawBody: received.rawBody,
      signedAt: received.signedAt,
      receivedAt: now,
    });
    if (inserted === 'duplicate') return undefined;
    const result = 'known' in event ? ignored() : await apply(tx, event, received.source ?? 'webhook', now, fieldKeys);
    await settleInboxEntry(tx, event.id, { outcome: result.outcome, detail: result.detail, paymentId: result.paymentId, now });
    return result;
  });
  if (stored)
    return { outcome: stored.outcome, duplicate: stored.outcome === 'DUPLICATE', paymentId: stored.paymentId, refundsToSubmit: stored.refundsToSubmit };
  const outcome = await noteDuplicateDelivery(pool, event.id);
  return { outcome: outcome ?? 'APPLIED', duplicate: true, paymentId: null, refundsToSubmit: [] };
}

interface Applied {
  outcome: InboxOutcome;
  detail: string | null;
  paymentId: string | null;
  refundsToSubmit: string[];
}

const ignored = (): Applied => ({ outcome: 'IGNORED_EVENT_TYPE', detail: null, paymentId: null, refundsToSubmit: [] });

async function apply(tx: PoolConnection, event: ProviderEvent, source: EventSource, now: Date, fieldKeys: FieldKeyring | undefined): Promise<Applied> {
  // `reference` is our payment id, given to the provider when the payment was opened.
  const payment = await findPayment(tx, event.data.reference, { forUpdate: true });
  if (!payment || (payment.providerPaymentId !== null && payment.providerPaymentId !== event.data.payment_id)) {
    return {
      outcome: 'UNKNOWN_PAYMENT',
      detail: `no payment ${event.data.reference} for provider payment ${event.data.payment_id}`,
      paymentId: null,
      refundsToSubmit: [],
    };
  }
  const order = await findOrderView(tx, payment.orderId);
  if (!order) throw new Error(`payment ${payment.id} refers to order ${payment.orderId} missing from order_view`);

  const decision = decideProviderEvent(event, payment, order);
  if (decision.kind === 'duplicate') {
    // Same fact, another event id: the inbox row is the record; the payment and history stay as they are.
    return { outcome: 'DUPLICATE', detail: decision.detail, paymentId: payment.id, refundsToSubmit: [] };
  }
  // A polled result says so in its history rows, next to its `poll:` event id.
  const polled = source === 'poll' ? { source: 'poll' } : {};
  if (decision.kind === 'refuse') {
    await appendHistory(tx, {
      paymentId: payment.id,
      from: payment.status,
      to: decision.attempted,
      accepted: false,
      cause: `refused.${decision.code.toLowerCase()}`,
      providerEventId: event.id,
      details: { event_type: event.type, detail: decision.detail, amount_minor: event.data.amount_minor, currency: event.data.currency, ...polled },
      now,
    });
    return { outcome: `REFUSED_${decision.code}`, detail: decision.detail, paymentId: payment.id, refundsToSubmit: [] };
  }

  const events: PendingEvent[] = [];
  const refundsToSubmit: string[] = [];
  const cause = source === 'poll' ? `${decision.cause}.polled` : decision.cause;
  const base = { paymentId: payment.id, from: payment.status, cause, providerEventId: event.id, now };
  let applied: boolean;
  switch (event.type) {
    case 'payment.succeeded': {
      applied = await transitionPayment(tx, {
        ...base,
        to: 'COMPLETED',
        details: { transaction_id: event.data.transaction_id, ...polled },
        set: { transactionId: event.data.transaction_id, providerPaymentId: event.data.payment_id, callbackAt: now },
      });
      events.push(
        prepareEvent(
          paymentCompleted,
          {
            payment_id: payment.id,
            order_id: payment.orderId,
            transaction_id: event.data.transaction_id,
            amount_minor: payment.amountMinor,
            currency: payment.currency,
          },
          eventContext(order),
          now,
          { fieldKeys },
        ),
      );
      if (decision.refundOrder) {
        const { refundId } = await requestAutomaticRefund(
          tx,
          payment,
          { requestedBy: REFUND_REQUESTER, reason: `order ${order.status.toLowerCase()} before its payment completed` },
          now,
        );
        refundsToSubmit.push(refundId);
      }
      break;
    }
    case 'payment.failed': {
      applied = await transitionPayment(tx, {
        ...base,
        to: 'FAILED',
        details: { failure_reason: event.data.failure_reason, ...polled },
        set: { failureReason: event.data.failure_reason, providerPaymentId: event.data.payment_id, callbackAt: now },
      });
      events.push(
        prepareEvent(paymentFailed, { payment_id: payment.id, order_id: payment.orderId, reason: event.data.failure_reason }, eventContext(order), now),
      );
      break;
    }
    case 'refund.succeeded': {
      applied = await transitionPayment(tx, { ...base, to: 'REFUNDED', details: { provider_refund_id: event.data.refund_id, ...polled } });
      const refund = await closeRefund(tx, payment, event.data.refund_id, now);
      events.push(
        prepareEvent(
          paymentRefunded,
          {
            payment_id: payment.id,
            order_id: payment.orderId,
            refund_id: refund.id,
            amount_minor: refund.amountMinor,
            currency: refund.currency,
            reason: refund.reason,
          },
          eventContext(order),
          now,
        ),
      );
      break;
    }
  }
  // The row is locked, so the guard cannot lose a race here; if it ever does, roll everything back.
  if (!applied) throw new Error(`guarded transition of payment ${payment.id} refused under its own lock`);
  await writeOutbox(tx, events);
  return { outcome: 'APPLIED', detail: null, paymentId: payment.id, refundsToSubmit };
}

/** The refund we asked for, or (a refund made at the provider directly) one recorded now. */
async function closeRefund(tx: PoolConnection, payment: Payment, providerRefundId: string, now: Date) {
  const existing = await findRefundOfPayment(tx, payment.id, { forUpdate: true });
  if (existing) {
    await markRefundSucceeded(tx, existing.id, providerRefundId, now);
    return existing;
  }
  const { refund } = await requestRefund(
    tx,
    {
      paymentId: payment.id,
      orderId: payment.orderId,
      tenantId: payment.tenantId,
      amountMinor: payment.amountMinor,
      currency: payment.currency,
      reason: 'refunded at the provider',
      initiatedBy: 'provider',
      requestedBy: 'provider',
      status: 'SUCCEEDED',
      providerRefundId,
    },
    now,
  );
  return refund;
}
