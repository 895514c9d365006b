/**
 * The public sale API: a tenant's current sales and one sale, readable without an account. Served
 * from `SaleCatalog`'s in-process cache (no MySQL read per request), with a weak ETag (a matching
 * If-None-Match is a 304 without a body) and `Cache-Control: public, max-age=1`: browsers and CDNs
 * may keep an answer exactly as long as this process does (SALE_CATALOG_TTL_MS), so the stock a
 * shopper sees is never more than about two seconds old, while a refresh storm from one browser or
 * behind one CDN reaches us once a second. Every request is charged to its address's budget, as
 * any caller without a token is.
 */
import { acceptedBeforeZod, limitByAddress, notFound } from '@flash-sale/service-kit';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Representation, SaleCatalog } from '../application/sale-catalog.ts';
import { publicSaleEarlyAnswer } from './public-sale.early-answer.ts';
import { cachingHeaders, JSON_CONTENT_TYPE, notModified } from './sale-representation.ts';
import {
  acceptsSaleIdParams,
  acceptsTenantHeaders,
  notModifiedResponse,
  publicSaleResponse,
  saleIdParams,
  salePageQuery,
  salePageResponse,
  publicReadRefusals,
  SALE_PAGE_DEFAULT,
  tenantHeaders,
} from './public-sales.schemas.ts';

export interface PublicSalesRoutesOptions {
  catalog: SaleCatalog;
}

const PUBLIC_READ_BUCKET = 'public-read';

function send(reply: FastifyReply, representation: Representation, ifNoneMatch: string | undefined) {
  void reply.headers(cachingHeaders(representation));
  if (notModified(ifNoneMatch, representation)) return reply.status(304).send();
  // Already JSON text, checked against its schema by the tests: fastify sends a string with a JSON
  // content type as it is, without the docs plugin's serializer (a hit costs no serialization).
  return reply.status(200).header('content-type', JSON_CONTENT_TYPE).send(representation.body);
}

export const publicSalesRoutes: FastifyPluginAsyncZod<PublicSalesRoutesOptions> = async (app, options) => {
  const budget = { onRequest: limitByAddress(PUBLIC_READ_BUCKET, app.accessControl.limits.perAddress) };
  // The sale read's cache hits are also answered before routing, exactly as the route below answers them.
  app.earlyAnswers.add(
    publicSaleEarlyAnswer({
      catalog: options.catalog,
      limiter: app.accessControl.limiter,
      bucket: PUBLIC_READ_BUCKET,
      budget: app.accessControl.limits.perAddress,
      clientAddress: app.clientAddress,
    }),
  );

  app.get(
    '/v1/sales',
    {
      ...budget,
      validatorCompiler: acceptedBeforeZod({ headers: acceptsTenantHeaders }),
      schema: {
        summary: "A tenant's sales that have not ended, soonest opening first",
        description:
          'No account needed; the tenant is the X-Tenant-Id header (unknown: 404). Live sales come first, then upcoming ones in the order they open; ' +
          '`cursor` (from `next_cursor`) continues after the last sale of the previous page. Answers may be one second old (Cache-Control: public, max-age=1); ' +
          'send the ETag back in If-None-Match for a 304.',
        headers: tenantHeaders,
        querystring: salePageQuery,
        response: { 200: salePageResponse, 304: notModifiedResponse, ...publicReadRefusals },
      },
    },
    async (request, reply) => {
      const tenantId = request.headers['x-tenant-id'];
      const page = await options.catalog.page(tenantId, { limit: request.query.limit ?? SALE_PAGE_DEFAULT, after: request.query.cursor });
      if (!page) throw notFound('tenant', { tenant_id: tenantId });
      return send(reply, page, request.headers['if-none-match']);
    },
  );

  app.get(
    '/v1/sales/:id',
    {
      ...budget,
      validatorCompiler: acceptedBeforeZod({ headers: acceptsTenantHeaders, params: acceptsSaleIdParams }),
      schema: {
        summary: 'A sale: name, price, window, status (upcoming, live, sold-out, ended) and remaining stock',
        description: "No account needed; the tenant is the X-Tenant-Id header. Another tenant's sale is 404. Cached as GET /v1/sales is.",
        headers: tenantHeaders,
        params: saleIdParams,
        response: { 200: publicSaleResponse, 304: notModifiedResponse, ...publicReadRefusals },
      },
    },
    async (request, reply) => {
      const sale = await options.catalog.sale(request.headers['x-tenant-id'], request.params.id);
      if (!sale) throw notFound('sale', { sale_id: request.params.id });
      return send(reply, sale, request.headers['if-none-match']);
    },
  );
};
