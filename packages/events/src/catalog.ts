/**
 * Every event the platform publishes. Amounts are integer minor units (cents) with an ISO-4217
 * currency; times are UTC ISO-8601. Additive changes only; a breaking change is a new `.vN`.
 */
import { z } from 'zod';
import { EventRegistry, defineEvent, type Classification } from './registry.ts';

const id = z.string().min(1).max(64);
const orderLine = {
  order_id: id,
  sale_id: id,
  sku_id: id,
  quantity: z.number().int().positive(),
};
// Why each field has its classification: docs/eventing.md, "Classification".
const orderLineClassification = {
  order_id: 'internal',
  sale_id: 'public',
  sku_id: 'public',
  quantity: 'internal',
} as const satisfies Record<keyof typeof orderLine, Classification>;

export const orderCreated = defineEvent({
  type: 'order.created.v1',
  topic: 'order.order.created.v1',
  owner: 'order',
  description: 'An order was accepted: its stock is held in Redis and it waits for payment.',
  payload: z.object({
    ...orderLine,
    user_id: id,
    unit_price_minor: z.number().int().nonnegative(),
    total_minor: z.number().int().nonnegative(),
    currency: z.string().length(3),
    expires_at: z.iso.datetime(),
  }),
  partitionKey: (payload) => payload.order_id,
  classification: {
    ...orderLineClassification,
    user_id: 'personal',
    unit_price_minor: 'public',
    total_minor: 'internal',
    currency: 'public',
    expires_at: 'internal',
  },
});

export const orderCancelled = defineEvent({
  type: 'order.cancelled.v1',
  topic: 'order.order.cancelled.v1',
  owner: 'order',
  description: 'A pending order was cancelled by its owner or by ops; its stock must come back.',
  payload: z.object({ ...orderLine, reason: z.string().max(200) }),
  partitionKey: (payload) => payload.order_id,
  // The owner's own words (or ops'): free text that may name anyone.
  classification: { ...orderLineClassification, reason: 'personal' },
});

export const orderExpired = defineEvent({
  type: 'order.expired.v1',
  topic: 'order.order.expired.v1',
  owner: 'order',
  description: 'A pending order passed its payment deadline; its stock must come back.',
  payload: z.object({ ...orderLine }),
  partitionKey: (payload) => payload.order_id,
  classification: { ...orderLineClassification },
});

export const orderRefunded = defineEvent({
  type: 'order.refunded.v1',
  topic: 'order.order.refunded.v1',
  owner: 'order',
  description: 'A paid order was refunded; stock returns according to the refund policy.',
  payload: z.object({ ...orderLine, payment_id: id, restock: z.boolean() }),
  partitionKey: (payload) => payload.order_id,
  classification: { ...orderLineClassification, payment_id: 'internal', restock: 'internal' },
});

export const stockCommitted = defineEvent({
  type: 'stock.committed.v1',
  topic: 'inventory.stock.committed.v1',
  owner: 'inventory',
  description: 'The MySQL stock of an order was decremented and audited (the books agree with the hold).',
  payload: z.object({ ...orderLine }),
  partitionKey: (payload) => payload.order_id,
  classification: { ...orderLineClassification },
});

export const stockReleased = defineEvent({
  type: 'stock.released.v1',
  topic: 'inventory.stock.released.v1',
  owner: 'inventory',
  description: "An order's stock went back to the sale (cancellation, expiry or refund).",
  payload: z.object({ ...orderLine, reason: z.enum(['cancelled', 'expired', 'refunded', 'orphan']) }),
  partitionKey: (payload) => payload.order_id,
  classification: { ...orderLineClassification, reason: 'internal' },
});

const paymentRef = { payment_id: id, order_id: id };
const paymentRefClassification = { payment_id: 'internal', order_id: 'internal' } as const satisfies Record<keyof typeof paymentRef, Classification>;

export const paymentCompleted = defineEvent({
  type: 'payment.completed.v1',
  topic: 'payment.payment.completed.v1',
  owner: 'payment',
  description: 'The provider confirmed the money was taken for an order.',
  payload: z.object({
    ...paymentRef,
    transaction_id: z.string().min(1).max(100),
    amount_minor: z.number().int().nonnegative(),
    currency: z.string().length(3),
  }),
  partitionKey: (payload) => payload.order_id,
  classification: {
    ...paymentRefClassification,
    // The provider's reference of the card payment: sealed; the order service records it as the
    // payment's reference in the order's history, so it is the one reader.
    transaction_id: 'restricted',
    amount_minor: 'internal',
    currency: 'public',
  },
  restrictedReaders: ['order'],
});

export const paymentFailed = defineEvent({
  type: 'payment.failed.v1',
  topic: 'payment.payment.failed.v1',
  owner: 'payment',
  description: 'The provider refused or failed the payment.',
  payload: z.object({ ...paymentRef, reason: z.string().max(200) }),
  partitionKey: (payload) => payload.order_id,
  // The provider's words on a refusal (a decline reason is about the shopper's card or account).
  classification: { ...paymentRefClassification, reason: 'personal' },
});

export const paymentRefunded = defineEvent({
  type: 'payment.refunded.v1',
  topic: 'payment.payment.refunded.v1',
  owner: 'payment',
  description: 'The provider returned the money of a completed payment.',
  payload: z.object({
    ...paymentRef,
    refund_id: z.string().min(1).max(100),
    amount_minor: z.number().int().nonnegative(),
    currency: z.string().length(3),
    reason: z.string().max(200),
  }),
  partitionKey: (payload) => payload.order_id,
  classification: {
    ...paymentRefClassification,
    refund_id: 'internal',
    amount_minor: 'internal',
    currency: 'public',
    // Ops' or the shopper's free text.
    reason: 'personal',
  },
});

export const registry = new EventRegistry([
  orderCreated,
  orderCancelled,
  orderExpired,
  orderRefunded,
  stockCommitted,
  stockReleased,
  paymentCompleted,
  paymentFailed,
  paymentRefunded,
]);
