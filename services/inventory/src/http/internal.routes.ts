/**
 * Reads for other services (the `service` role only), scoped by the tenant their token names.
 * `GET /v1/internal/sales/:saleId` tells the order service whether a sale Redis does not know is
 * armed in the books: then Redis lost it and it is being rebuilt (503 to the buyer), otherwise it
 * does not exist (404).
 */
import { notFound, principalOf, requireRole, type MysqlPool } from '@flash-sale/service-kit';
import type { FastifyInstance } from 'fastify';
import { findSale } from '../infra/sale.repository.ts';
import { saleParams } from './admin.schemas.ts';
import { parseOrThrow } from './parse.ts';

export interface InternalRoutesDeps {
  mysql: MysqlPool;
}

export async function internalRoutes(app: FastifyInstance, deps: InternalRoutesDeps): Promise<void> {
  const servicesOnly = { onRequest: requireRole('service') };

  app.get('/v1/internal/sales/:saleId', servicesOnly, async (request) => {
    const { tenantId } = principalOf(request);
    const { saleId } = parseOrThrow(saleParams, request.params, 'params');
    const sale = await findSale(deps.mysql, tenantId, saleId);
    if (!sale) throw notFound('sale', { sale_id: saleId });
    return { id: sale.id, armed: sale.armedAt !== null, starts_at: sale.startsAt.toISOString(), ends_at: sale.endsAt.toISOString() };
  });
}
