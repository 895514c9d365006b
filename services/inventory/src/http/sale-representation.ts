/**
 * How a cached representation of the public sale API is answered, by the fastify routes
 * (public-sales.routes.ts) and by the sale read's early answer (public-sale.early-answer.ts) alike:
 * the caching headers, and whether If-None-Match makes it a 304.
 */
import { SALE_CATALOG_TTL_MS, type Representation } from '../application/sale-catalog.ts';

const CACHE_CONTROL = `public, max-age=${Math.round(SALE_CATALOG_TTL_MS / 1000)}`;

/** Browsers and CDNs may keep an answer as long as the catalog does; tenants are kept apart by the header that names them. */
export const cachingHeaders = (representation: Representation) => ({ 'cache-control': CACHE_CONTROL, etag: representation.etag, vary: 'X-Tenant-Id' });

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** RFC 9110 §13.1.2: If-None-Match compares weakly; `*` matches any current representation. */
export function notModified(ifNoneMatch: string | undefined, representation: Representation): boolean {
  if (!ifNoneMatch) return false;
  const opaque = representation.etag.replace(/^W\//, '');
  return ifNoneMatch.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag.replace(/^W\//, '') === opaque;
  });
}
