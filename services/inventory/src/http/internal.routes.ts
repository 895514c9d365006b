/**
 * Reads for other services (the `service` role only), scoped by the tenant their token names.
 * `GET /v1/internal/sales/:saleId` tells the order service whether a sale Redis does not know is
 * armed in the books: then Redis lost it and it is being rebuilt (503 to the buyer), otherwise it
 * does not exist (404).
 */
import { bearerRefusals, errorResponses, notFound, principalOf, requireRole, type MysqlPool } from '@flash-sale/service-kit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { findSale } from '../infra/sale.repository.ts';
import { internalSaleResponse, saleParams } from './admin.schemas.ts';

export interface InternalRoutesDeps {
  mysql: MysqlPool;
}

export const internalRoutes: FastifyPluginAsyncZod<InternalRoutesDeps> = async (app, deps) => {
  app.get(
    '/v1/internal/sales/:saleId',
    {
      onRequest: requireRole('service'),
      schema: {
        summary: 'Service read: is a sale of the calling tenant armed in the books',
        security: [{ bearer: [] }],
        params: saleParams,
        response: {
          200: internalSaleResponse,
          ...errorResponses({ ...bearerRefusals, 400: 'the sale id is not a uuid', 404: 'no such sale of the calling tenant' }),
        },
      },
    },
    async (request) => {
      const { tenantId } = principalOf(request);
      const { saleId } = request.params;
      const sale = await findSale(deps.mysql, tenantId, saleId);
      if (!sale) throw notFound('sale', { sale_id: saleId });
      return { id: sale.id, armed: sale.armedAt !== null, starts_at: sale.startsAt.toISOString(), ends_at: sale.endsAt.toISOString() };
    },
  );
};
