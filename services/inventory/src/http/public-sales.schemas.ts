/** Requests and responses of the public sale API (no account; the tenant is named in a header). */
import { errorResponses, keysetCursorParam, pageLimitParam, tenantIdPattern } from '@flash-sale/service-kit';
import { z } from 'zod';
import { PUBLIC_SALE_STATUSES } from '../domain/sale-status.ts';

export const SALE_PAGE_MAX = 100;
export const SALE_PAGE_DEFAULT = 20;

/**
 * The tenant is a header, not a path segment, so a sale keeps one URL (`/v1/sales/:id`, as the
 * order API names sales); responses say `Vary: X-Tenant-Id` so a shared cache keeps tenants apart.
 * Loose: the validated headers replace `request.headers`, and the others must stay.
 */
export const tenantHeaders = z.looseObject({
  'x-tenant-id': z.string().regex(tenantIdPattern, 'letters, digits, . _ - (at most 64)'),
  'if-none-match': z.string().max(1024).optional(),
});

export const saleIdParams = z.object({ id: z.uuid() });

/*
 * The same rules as plain predicates, for `acceptedBeforeZod` (service-kit): a request these accept
 * skips the zod parse; one they refuse gets zod's refusal. The same patterns (tenantIdPattern, zod's
 * own uuid pattern), so they cannot accept what the schemas refuse: public-sales.int.test.ts checks.
 */
const uuidPattern = z.regexes.uuid();

export const acceptsTenantHeaders = (value: unknown): boolean => {
  if (typeof value !== 'object' || value === null) return false;
  const headers = value as Record<string, unknown>;
  const tenantId = headers['x-tenant-id'];
  const ifNoneMatch = headers['if-none-match'];
  return (
    typeof tenantId === 'string' &&
    tenantIdPattern.test(tenantId) &&
    (ifNoneMatch === undefined || (typeof ifNoneMatch === 'string' && ifNoneMatch.length <= 1024))
  );
};

export const acceptsSaleIdParams = (value: unknown): boolean => {
  if (typeof value !== 'object' || value === null) return false;
  const id = (value as Record<string, unknown>).id;
  return typeof id === 'string' && uuidPattern.test(id);
};

export const salePageQuery = z.strictObject({
  limit: pageLimitParam(SALE_PAGE_MAX),
  cursor: keysetCursorParam.optional(),
});

// Strict, as service-kit's response schemas are: a field added without documenting it fails the schema test.
export const publicSaleResponse = z.strictObject({
  id: z.string(),
  name: z.string(),
  sku_id: z.string(),
  unit_price_minor: z.number().int(),
  currency: z.string(),
  starts_at: z.string(),
  ends_at: z.string(),
  per_user_limit: z.number().int(),
  status: z.enum(PUBLIC_SALE_STATUSES),
  remaining_stock: z.number().int(),
});

export const salePageResponse = z.strictObject({
  items: z.array(publicSaleResponse),
  next_cursor: z.string().nullable(),
});

export const notModifiedResponse = z.null().describe('Not modified: the ETag in If-None-Match is current; no body');

export const publicReadRefusals = errorResponses({
  400: 'a missing or malformed X-Tenant-Id, sale id, limit or cursor',
  404: 'no such tenant, or no such sale of this tenant',
  429: "over the address's request budget; Retry-After says when to come back",
});
