/** Requests and responses of the admin API. Request bodies are strict: an unknown field is an error, not silently dropped. */
import { z } from 'zod';

const idPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export const createSkuBody = z.strictObject({
  id: z.string().regex(idPattern, 'letters, digits, . _ - (at most 64)'),
  name: z.string().trim().min(1).max(200),
  stock: z.number().int().min(0).max(1_000_000_000),
});

export const createSaleBody = z
  .strictObject({
    sku_id: z.string().regex(idPattern),
    stock: z.number().int().min(1).max(1_000_000_000),
    unit_price_minor: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
    currency: z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 code, upper case'),
    starts_at: z.iso.datetime({ offset: true }),
    ends_at: z.iso.datetime({ offset: true }),
    per_user_limit: z.number().int().min(1).max(10_000),
    hold_ttl_seconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600),
  })
  .refine((body) => Date.parse(body.ends_at) > Date.parse(body.starts_at), { message: 'must be after starts_at', path: ['ends_at'] });

export const saleParams = z.strictObject({ saleId: z.uuid() });
export const skuParams = z.strictObject({ skuId: z.string().regex(idPattern) });

export const restockBody = z.strictObject({
  quantity: z.number().int().min(1).max(1_000_000_000),
  reason: z.string().trim().min(1).max(200),
});

/** A restock is idempotent on the client's key, as `POST /v1/orders` is (docs/adr/0003-idempotency-keys.md). */
export const restockHeaders = z.object({ 'idempotency-key': z.string().regex(/^[\x21-\x7e]{1,64}$/, 'printable ASCII, at most 64 characters') });

// Responses: strict, as service-kit's response schemas are, so a field added to an answer without
// documenting it fails the route's reply instead of leaving the document behind.

export const skuResponse = z.strictObject({
  id: z.string(),
  name: z.string(),
  initial_stock: z.number().int(),
  stock: z.number().int(),
  allocated: z.number().int().meta({ description: 'units reserved for sales and not sold yet (docs/adr/0005-sale-allocations.md)' }),
});

export const saleResponse = z.strictObject({
  id: z.string(),
  sku_id: z.string(),
  stock: z.number().int(),
  allocated: z.number().int().meta({ description: "units of stock still reserved for this sale in its SKU's allocation" }),
  unit_price_minor: z.number().int(),
  currency: z.string(),
  starts_at: z.string(),
  ends_at: z.string(),
  per_user_limit: z.number().int(),
  hold_ttl_seconds: z.number().int(),
  armed_at: z.string().nullable(),
  ended_at: z.string().nullable(),
});

export const redisStockResponse = z.strictObject({
  armed_stock: z.number().int(),
  available: z.number().int(),
  held: z.number().int(),
  sold: z.number().int(),
});

export const armResponse = z.strictObject({
  sale: saleResponse,
  armed: z.boolean().meta({ description: 'false when the sale was armed before: its Redis stock is left as it is' }),
  redis: redisStockResponse,
});

export const endResponse = z.strictObject({
  sale: saleResponse,
  ended: z.boolean().meta({ description: 'false when the sale had ended before' }),
  returned_units: z.number().int().meta({ description: 'unsold units returned to the SKU; open holds keep theirs' }),
  redis: redisStockResponse.nullable(),
});

export const restockResponse = z.strictObject({
  restock: z.strictObject({ id: z.string(), sku_id: z.string(), quantity: z.number().int(), reason: z.string() }),
  replayed: z.boolean().meta({ description: 'true when this Idempotency-Key had restocked before: nothing was added again' }),
  sku: skuResponse,
});

const auditTotals = z.strictObject({ rows: z.number().int(), quantity: z.number().int(), stock_delta: z.number().int() });
const reservationCounts = z.strictObject({ orders: z.number().int(), quantity: z.number().int() });

export const saleStockResponse = z.strictObject({
  sale_id: z.string(),
  sku_id: z.string(),
  sale_stock: z.number().int(),
  armed_at: z.string().nullable(),
  redis: redisStockResponse.nullable().meta({ description: 'null when Redis holds no stock for the sale (not armed, or lost)' }),
  mysql: z.strictObject({ sku_stock: z.number().int().nullable(), sku_initial_stock: z.number().int().nullable() }),
  audit: z.strictObject({ reserve: auditTotals, decrease: auditTotals, release: auditTotals, refund: auditTotals }),
  reservations: z.strictObject({
    committed: reservationCounts,
    released: reservationCounts,
    released_before_created: reservationCounts,
    refunded: reservationCounts,
  }),
});

export const internalSaleResponse = z.strictObject({
  id: z.string(),
  armed: z.boolean(),
  starts_at: z.string(),
  ends_at: z.string(),
});
