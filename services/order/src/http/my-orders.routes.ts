/**
 * `GET /v1/orders`: the caller's own orders, newest first, optionally of one status, a keyset page
 * at a time. Ops callers list their own orders here too: this is "my orders", not a search across
 * a tenant's shoppers.
 */
import { bearerRefusals, encodeKeysetCursor, errorResponses, keysetCursorParam, pageLimitParam, principalOf, requireRole } from '@flash-sale/service-kit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Pool } from 'mysql2/promise';
import { z } from 'zod';
import { ORDER_STATUSES } from '../domain/order-status.ts';
import { orderResource } from '../domain/order.ts';
import { ownerOrdersPage } from '../infra/owner-orders.repository.ts';
import { orderResponse } from './order.schemas.ts';

export interface MyOrdersRoutesOptions {
  pool: Pool;
}

export const MY_ORDERS_PAGE_MAX = 100;
export const MY_ORDERS_PAGE_DEFAULT = 20;

export const myOrdersQuery = z.strictObject({
  status: z.enum(ORDER_STATUSES).optional(),
  limit: pageLimitParam(MY_ORDERS_PAGE_MAX),
  cursor: keysetCursorParam.optional(),
});

export const myOrdersResponse = z.strictObject({
  items: z.array(orderResponse),
  next_cursor: z.string().nullable().meta({ description: 'Hand back as `cursor` for the next page; null on the last page' }),
});

export const myOrdersRoutes: FastifyPluginAsyncZod<MyOrdersRoutesOptions> = async (app, options) => {
  app.get(
    '/v1/orders',
    {
      onRequest: requireRole('shopper', 'ops'),
      schema: {
        summary: "The caller's own orders, newest first",
        description:
          "Only the orders of the token's subject in its tenant, whatever its role. `status` keeps one status; `cursor` (from `next_cursor`) continues after the last order of the previous page, " +
          'so an order placed meanwhile never shifts a page.',
        security: [{ bearer: [] }],
        querystring: myOrdersQuery,
        response: { 200: myOrdersResponse, ...errorResponses({ 400: 'a malformed status, limit or cursor', ...bearerRefusals }) },
      },
    },
    async (request) => {
      const { tenantId, userId } = principalOf(request);
      const page = await ownerOrdersPage(options.pool, {
        tenantId,
        userId,
        status: request.query.status,
        before: request.query.cursor,
        limit: request.query.limit ?? MY_ORDERS_PAGE_DEFAULT,
      });
      return { items: page.orders.map(orderResource), next_cursor: page.next ? encodeKeysetCursor(page.next) : null };
    },
  );
};
