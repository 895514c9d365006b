/**
 * What the payment API accepts and answers. The two views of a payment (payment.presenter.ts) are
 * two strict schemas, so a field of the ops view can never reach a shopper through a route that
 * declares the shopper's.
 */
import { z } from 'zod';
import { paymentStatuses } from '../domain/payment-state-machine.ts';
import type { InboxOutcome } from '../infra/webhook-inbox.repository.ts';

/** Order ids (the order service's) and payment ids (this service's) are uuids. */
export const uuidParams = z.strictObject({ id: z.guid() });

export const refundBody = z.strictObject({ reason: z.string().min(1).max(200) });

const providerLink = z.strictObject({
  payment_id: z.string().nullable().meta({ description: "the provider's id, once the provider has opened the payment" }),
  redirect_url: z.string().nullable().meta({ description: 'where the shopper pays' }),
});

const paymentStatus = z.enum(paymentStatuses);
const refundStatus = z.enum(['REQUESTED', 'SUBMITTED', 'SUCCEEDED']);

export const shopperPayment = z.strictObject({
  payment_id: z.string(),
  order_id: z.string(),
  status: paymentStatus,
  amount_minor: z.number().int(),
  currency: z.string(),
  provider: providerLink,
  failure_reason: z.literal('PAYMENT_FAILED').nullable().meta({ description: "set when FAILED; the provider's own words are for ops" }),
  created_at: z.string(),
  updated_at: z.string(),
});

export const shopperRefund = z.strictObject({ refund_id: z.string(), status: refundStatus, amount_minor: z.number().int(), currency: z.string() });

export const shopperPaymentWithHistory = shopperPayment.extend({
  refund: shopperRefund.nullable(),
  history: z.array(z.strictObject({ from: z.string().nullable(), to: z.string(), at: z.string() })),
});

export const opsRefund = z.strictObject({
  refund_id: z.string(),
  payment_id: z.string(),
  order_id: z.string(),
  status: refundStatus,
  amount_minor: z.number().int(),
  currency: z.string(),
  reason: z.string(),
  initiated_by: z.enum(['ops', 'automatic', 'provider']),
  requested_by: z.string(),
  provider_refund_id: z.string().nullable(),
  last_error: z.string().nullable(),
});

export const opsPaymentWithHistory = z.strictObject({
  payment_id: z.string(),
  order_id: z.string(),
  status: paymentStatus,
  amount_minor: z.number().int(),
  currency: z.string(),
  provider: providerLink,
  transaction_id: z.string().nullable(),
  failure_reason: z.string().nullable(),
  callback_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  refund: opsRefund.nullable(),
  history: z.array(
    z.strictObject({
      from: z.string().nullable(),
      to: z.string(),
      accepted: z.boolean(),
      cause: z.string(),
      providerEventId: z.string().nullable(),
      details: z.string().nullable(),
      at: z.string(),
    }),
  ),
});

/** The batch read takes at most this many order ids per call. */
export const MAX_ORDERS_PER_CALL = 100;
const orderIdPattern = '[A-Za-z0-9_-]{1,64}';

export const orderPaymentParams = z.strictObject({ orderId: z.string().regex(new RegExp(`^${orderIdPattern}$`)) });
export const orderPaymentsQuery = z.strictObject({
  order_ids: z
    .string()
    .regex(new RegExp(`^${orderIdPattern}(,${orderIdPattern}){0,${MAX_ORDERS_PER_CALL - 1}}$`))
    .meta({ description: `comma-separated order ids, at most ${MAX_ORDERS_PER_CALL}` }),
});

export const orderPaymentAnswer = z.strictObject({
  order_id: z.string(),
  state: z.enum(['completed', 'in_flight', 'none']),
  payment_id: z.string().nullable().meta({ description: 'the payment that decided the state (for none, the latest attempt, if any)' }),
  payment_status: paymentStatus.nullable(),
});

export const webhookHeaders = z.object({
  'provider-signature': z
    .string()
    .optional()
    .meta({ description: 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">; checked in the handler, on the raw bytes' }),
});

export const webhookBody = z.instanceof(Buffer).meta({
  description:
    "The provider's event as it signed it: { id, type, created, data }, type payment.succeeded, payment.failed or refund.succeeded (another type is stored and acknowledged). Read as raw bytes, because the signature covers those bytes; it is parsed only once the signature holds.",
});

export const webhookReceived = z.strictObject({
  received: z.literal(true),
  event_id: z.string(),
  outcome: z.enum([
    'APPLIED',
    'DUPLICATE',
    'REFUSED_ILLEGAL_TRANSITION',
    'REFUSED_AMOUNT_MISMATCH',
    'UNKNOWN_PAYMENT',
    'IGNORED_EVENT_TYPE',
  ] as const satisfies readonly InboxOutcome[]),
  duplicate: z.boolean(),
});
