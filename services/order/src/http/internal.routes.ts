/**
 * Reads for our own services (`service` role, within the tenant the caller's token names). The
 * payment service asks here for an order its Kafka-fed view has not seen yet, so a shopper who
 * pays right after ordering is never told that a real order does not exist.
 */
import { bearerRefusals, errorResponses, principalOf, requireRole } from '@flash-sale/service-kit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Pool } from 'mysql2/promise';
import { z } from 'zod';
import { orderNotFound } from '../application/order-errors.ts';
import { ORDER_STATUSES } from '../domain/order-status.ts';
import { findOrder, orderTraceId } from '../infra/order.repository.ts';
import { orderIdParams } from './order.schemas.ts';

/** What another service may know of an order: who owns it, what it costs, where it stands. */
export const internalOrderResponse = z.strictObject({
  id: z.string(),
  tenant_id: z.string(),
  user_id: z.string(),
  status: z.enum(ORDER_STATUSES),
  total_minor: z.number().int(),
  currency: z.string(),
  expires_at: z.string(),
  created_at: z.string(),
  /** The trace its `order.created` started, so work another service does for the order joins it. */
  trace_id: z.string().nullable(),
});

export type InternalOrder = z.output<typeof internalOrderResponse>;

export const internalOrderRoutes: FastifyPluginAsyncZod<{ pool: Pool }> = async (app, options) => {
  app.get(
    '/v1/internal/orders/:id',
    {
      onRequest: requireRole('service'),
      schema: {
        summary: 'Service read: an order of the calling tenant',
        security: [{ bearer: [] }],
        params: orderIdParams,
        response: {
          200: internalOrderResponse,
          ...errorResponses({ ...bearerRefusals, 400: 'the order id is not a uuid', 404: 'no such order of the calling tenant' }),
        },
      },
    },
    async (request) => {
      const { tenantId } = principalOf(request);
      const order = await findOrder(options.pool, request.params.id);
      // Another tenant's order does not exist for this caller.
      if (!order || order.tenantId !== tenantId) throw orderNotFound(request.params.id);
      return {
        id: order.id,
        tenant_id: order.tenantId,
        user_id: order.userId,
        status: order.status,
        total_minor: order.totalMinor,
        currency: order.currency,
        expires_at: order.expiresAt.toISOString(),
        created_at: order.createdAt.toISOString(),
        trace_id: await orderTraceId(options.pool, order.id),
      };
    },
  );
};
