import { z } from 'zod';
import { ORDER_STATUSES } from '../domain/order-status.ts';

/** A client chooses a sale and a quantity, nothing else: price, status and user are the server's. */
export const placeOrderBody = z
  .object({
    // Sale ids are uuids (the inventory service makes them); anything else never reaches a Redis key.
    sale_id: z.uuid(),
    quantity: z.number().int().min(1).max(100),
  })
  .strict();

export const idempotencyHeaders = z.object({
  'idempotency-key': z.string().min(1).max(255).optional(),
});

export const orderIdParams = z.object({ id: z.uuid() });

/** The reason is stored in the history behind a prefix; the column holds both (migration 101). */
export const CANCEL_REASON_MAX = 200;
export const cancelBody = z
  .object({ reason: z.string().max(CANCEL_REASON_MAX).optional() })
  .strict()
  .optional();

// Strict, like every service's replies: a field the code adds without documenting it fails the reply.
export const orderResponse = z.strictObject({
  id: z.string(),
  status: z.enum(ORDER_STATUSES),
  sale_id: z.string(),
  sku_id: z.string(),
  quantity: z.number().int(),
  unit_price_minor: z.number().int(),
  total_minor: z.number().int(),
  currency: z.string(),
  expires_at: z.string(),
  created_at: z.string(),
});

export const orderWithHistoryResponse = orderResponse.extend({
  history: z.array(
    z.strictObject({
      from: z.enum(ORDER_STATUSES).nullable(),
      to: z.enum(ORDER_STATUSES),
      cause: z.string(),
      at: z.string(),
    }),
  ),
});

/** The error contract, as every service declares it. */
export { errorResponse } from '@flash-sale/service-kit';
