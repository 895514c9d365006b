/** Request bodies of the admin API: strict, so an unknown field is an error, not silently dropped. */
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
    hold_ttl_seconds: z.number().int().min(1).max(7 * 24 * 3600),
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
