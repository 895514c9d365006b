/**
 * `GET /v1/sales/:id` answered before routing (service-kit early-answers.ts) when the catalog holds
 * the sale fresh and the address's budget admits the request on this process's own count: the
 * hottest read of a flash sale, whose answer is already bytes in memory, then costs about what a
 * hello-world costs (docs/adr/0008-public-sale-reads.md, docs/performance.md).
 *
 * Exactly the route's answer (public-sales.routes.ts): the same catalog entry, the same caching
 * and budget headers, 304 on a matching If-None-Match, the same charge to the same budget. Anything
 * else is left to the route, untouched: another method, a query string, an id or tenant the
 * route's schema would refuse, a sale not cached or cached as unknown (the route's 404), a budget
 * Redis must decide or that is spent (the route's 429). A request left to the route was not
 * charged here, so it is charged once.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { identityOfAddress, rateLimitHeaders, type Budget, type EarlyAnswer, type RateLimiter } from '@flash-sale/service-kit';
import type { SaleCatalog } from '../application/sale-catalog.ts';
import { acceptsSaleIdParams, acceptsTenantHeaders } from './public-sales.schemas.ts';
import { cachingHeaders, JSON_CONTENT_TYPE, notModified } from './sale-representation.ts';

const PATH_PREFIX = '/v1/sales/';

export interface PublicSaleEarlyAnswerDeps {
  catalog: SaleCatalog;
  /** The route's budget: its limiter (none when the service runs without one), bucket and allowance. */
  limiter: RateLimiter | undefined;
  bucket: string;
  budget: Budget;
  clientAddress: (request: IncomingMessage) => string | undefined;
}

export function publicSaleEarlyAnswer(deps: PublicSaleEarlyAnswerDeps): EarlyAnswer {
  return {
    route: '/v1/sales/:id',
    answer(request: IncomingMessage, response: ServerResponse): boolean {
      const url = request.url;
      if (request.method !== 'GET' || url === undefined || !url.startsWith(PATH_PREFIX)) return false;
      // The route's own predicates: an id with anything after it (a query, a slash) is not a uuid.
      const id = url.slice(PATH_PREFIX.length);
      if (!acceptsSaleIdParams({ id }) || !acceptsTenantHeaders(request.headers)) return false;
      const sale = deps.catalog.cachedSale(request.headers['x-tenant-id'] as string, id);
      if (!sale) return false;
      let budgetHeaders: ReturnType<typeof rateLimitHeaders> | undefined;
      if (deps.limiter) {
        const decision = deps.limiter.takeLocally(deps.bucket, identityOfAddress(deps.clientAddress(request)), deps.budget);
        if (!decision?.allowed) return false;
        budgetHeaders = rateLimitHeaders(decision);
      }
      if (notModified(request.headers['if-none-match'], sale)) {
        response.writeHead(304, { ...budgetHeaders, ...cachingHeaders(sale) });
        response.end();
      } else {
        response.writeHead(200, {
          ...budgetHeaders,
          ...cachingHeaders(sale),
          'content-type': JSON_CONTENT_TYPE,
          'content-length': Buffer.byteLength(sale.body),
        });
        response.end(sale.body);
      }
      return true;
    },
  };
}
