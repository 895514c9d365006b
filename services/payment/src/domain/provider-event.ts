/**
 * The provider's webhook body, as the provider documents it. Only the fields the payment service
 * acts on are parsed; the raw body is kept verbatim in the inbox.
 */
import { z } from 'zod';

const money = { amount_minor: z.number().int().nonnegative(), currency: z.string().length(3) };
const paymentRef = { payment_id: z.string().min(1).max(100), reference: z.string().min(1).max(100) };

export const providerEventSchema = z.discriminatedUnion('type', [
  z.object({
    id: z.string().min(1).max(100),
    type: z.literal('payment.succeeded'),
    created: z.number().int(),
    data: z.object({ ...paymentRef, ...money, transaction_id: z.string().min(1).max(100) }),
  }),
  z.object({
    id: z.string().min(1).max(100),
    type: z.literal('payment.failed'),
    created: z.number().int(),
    data: z.object({ ...paymentRef, ...money, failure_reason: z.string().max(200).default('unspecified') }),
  }),
  z.object({
    id: z.string().min(1).max(100),
    type: z.literal('refund.succeeded'),
    created: z.number().int(),
    data: z.object({ ...paymentRef, ...money, refund_id: z.string().min(1).max(100), refund_reference: z.string().max(100).optional() }),
  }),
]);

export type ProviderEvent = z.output<typeof providerEventSchema>;
