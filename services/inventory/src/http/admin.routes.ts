/**
 * Ops-only admin API: SKUs, restock, flash sales (created with their allocation, armed, ended), and
 * a sale's stock as Redis, the books and the audit see it. Every query is scoped by the caller's
 * tenant.
 */
import {
  bearerRefusals,
  conflict,
  errorResponses,
  notFound,
  principalOf,
  requireRole,
  type Logger,
  type MysqlPool,
  isDuplicateKey,
} from '@flash-sale/service-kit';
import type { StockReservations } from '@flash-sale/stock-reservations';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { armSale } from '../application/arm-sale.ts';
import { createSale } from '../application/create-sale.ts';
import { endSale } from '../application/end-sale.ts';
import { restockSku } from '../application/restock-sku.ts';
import { auditTotalsForSale } from '../infra/audit.repository.ts';
import { reservationCountsForSale } from '../infra/reservation.repository.ts';
import { findSale, type FlashSale } from '../infra/sale.repository.ts';
import { findSku, insertSku, type Sku } from '../infra/sku.repository.ts';
import {
  armResponse,
  createSaleBody,
  createSkuBody,
  endResponse,
  restockBody,
  restockHeaders,
  restockResponse,
  saleParams,
  saleResponse,
  saleStockResponse,
  skuParams,
  skuResponse,
} from './admin.schemas.ts';

export interface AdminRoutesDeps {
  mysql: MysqlPool;
  reservations: StockReservations;
  now: () => Date;
  logger: Logger;
}

const skuJson = (sku: Sku) => ({ id: sku.id, name: sku.name, initial_stock: sku.initialStock, stock: sku.stock, allocated: sku.allocated });

const saleJson = (sale: FlashSale) => ({
  id: sale.id,
  sku_id: sale.skuId,
  stock: sale.stock,
  allocated: sale.allocated,
  unit_price_minor: sale.unitPriceMinor,
  currency: sale.currency,
  starts_at: sale.startsAt.toISOString(),
  ends_at: sale.endsAt.toISOString(),
  per_user_limit: sale.perUserLimit,
  hold_ttl_seconds: sale.holdTtlSeconds,
  armed_at: sale.armedAt?.toISOString() ?? null,
  ended_at: sale.endedAt?.toISOString() ?? null,
});

const badSkuId = 'the SKU id is not letters, digits, . _ - (at most 64)';
const badSaleId = 'the sale id is not a uuid';

export const adminRoutes: FastifyPluginAsyncZod<AdminRoutesDeps> = async (app, deps) => {
  const onRequest = requireRole('ops');
  const security = [{ bearer: [] }];

  app.post(
    '/v1/admin/skus',
    {
      onRequest,
      schema: {
        summary: 'Create a SKU with its stock',
        security,
        body: createSkuBody,
        response: { 201: skuResponse, ...errorResponses({ ...bearerRefusals, 400: 'the body is not a SKU', 409: 'a SKU with this id exists (SKU_EXISTS)' }) },
      },
    },
    async (request, reply) => {
      const { tenantId } = principalOf(request);
      const body = request.body;
      try {
        await insertSku(deps.mysql, { tenantId, id: body.id, name: body.name, stock: body.stock });
      } catch (error) {
        if (isDuplicateKey(error)) throw conflict('SKU_EXISTS', 'a SKU with this id exists', { sku_id: body.id });
        throw error;
      }
      return reply.status(201).send(skuJson({ tenantId, id: body.id, name: body.name, initialStock: body.stock, stock: body.stock, allocated: 0 }));
    },
  );

  app.get(
    '/v1/admin/skus/:skuId',
    {
      onRequest,
      schema: {
        summary: 'Read a SKU',
        security,
        params: skuParams,
        response: { 200: skuResponse, ...errorResponses({ ...bearerRefusals, 400: badSkuId, 404: 'no such SKU' }) },
      },
    },
    async (request) => {
      const { tenantId } = principalOf(request);
      const { skuId } = request.params;
      const sku = await findSku(deps.mysql, tenantId, skuId);
      if (!sku) throw notFound('sku', { sku_id: skuId });
      return skuJson(sku);
    },
  );

  app.post(
    '/v1/admin/sales',
    {
      onRequest,
      schema: {
        summary: 'Create a flash sale, allocating its units from the SKU',
        description:
          'The sale takes its units from the SKU stock not yet allocated to other sales (docs/adr/0005-sale-allocations.md). It is not armed: buyers can reserve only once it is.',
        security,
        body: createSaleBody,
        response: {
          201: saleResponse,
          ...errorResponses({
            ...bearerRefusals,
            400: 'the body is not a sale (ends_at must be after starts_at)',
            404: 'no such SKU',
            409: 'the SKU has too few units (INSUFFICIENT_SKU_STOCK), or too few not allocated to other sales (SKU_STOCK_ALLOCATED)',
          }),
        },
      },
    },
    async (request, reply) => {
      const { tenantId } = principalOf(request);
      const body = request.body;
      const sale = await createSale(deps, tenantId, {
        skuId: body.sku_id,
        stock: body.stock,
        unitPriceMinor: body.unit_price_minor,
        currency: body.currency,
        startsAt: new Date(body.starts_at),
        endsAt: new Date(body.ends_at),
        perUserLimit: body.per_user_limit,
        holdTtlSeconds: body.hold_ttl_seconds,
      });
      return reply.status(201).send(saleJson(sale));
    },
  );

  app.get(
    '/v1/admin/sales/:saleId',
    {
      onRequest,
      schema: {
        summary: 'Read a flash sale',
        security,
        params: saleParams,
        response: { 200: saleResponse, ...errorResponses({ ...bearerRefusals, 400: badSaleId, 404: 'no such sale' }) },
      },
    },
    async (request) => {
      const { tenantId } = principalOf(request);
      const { saleId } = request.params;
      const sale = await findSale(deps.mysql, tenantId, saleId);
      if (!sale) throw notFound('sale', { sale_id: saleId });
      return saleJson(sale);
    },
  );

  app.post(
    '/v1/admin/sales/:saleId/arm',
    {
      onRequest,
      schema: {
        summary: 'Arm a sale: load its stock into Redis so buyers can reserve',
        description: 'Arming twice loads the stock once; the second answer says armed: false.',
        security,
        params: saleParams,
        response: {
          200: armResponse,
          ...errorResponses({
            ...bearerRefusals,
            400: badSaleId,
            404: 'no such sale',
            409: 'the sale has ended (SALE_ENDED), or was armed and Redis lost its stock (SALE_NEEDS_REBUILD)',
          }),
        },
      },
    },
    async (request) => {
      const { tenantId } = principalOf(request);
      const outcome = await armSale(deps, tenantId, request.params.saleId);
      return { sale: saleJson(outcome.sale), armed: outcome.armed, redis: redisJson(outcome.view) };
    },
  );

  // Closes the sale now and returns its unsold allocation; open holds keep their units.
  app.post(
    '/v1/admin/sales/:saleId/end',
    {
      onRequest,
      schema: {
        summary: 'End a sale now and return its unsold units to the SKU',
        description: 'Open holds keep their units. Ending twice returns the units once; the second answer says ended: false.',
        security,
        params: saleParams,
        response: {
          200: endResponse,
          ...errorResponses({
            ...bearerRefusals,
            400: badSaleId,
            404: 'no such sale',
            409: 'the sale was armed and Redis lost its stock: rebuild it first (SALE_NEEDS_REBUILD)',
            503: 'the sale is being rebuilt in Redis (SALE_REBUILDING); Retry-After says when to end it again',
          }),
        },
      },
    },
    async (request) => {
      const { tenantId } = principalOf(request);
      const outcome = await endSale(deps, tenantId, request.params.saleId);
      return {
        sale: saleJson(outcome.sale),
        ended: outcome.ended,
        returned_units: outcome.returnedUnits,
        redis: outcome.view ? redisJson(outcome.view) : null,
      };
    },
  );

  app.post(
    '/v1/admin/skus/:skuId/restock',
    {
      onRequest,
      schema: {
        summary: 'Add units to a SKU',
        description:
          'Idempotent on the Idempotency-Key header (docs/adr/0003-idempotency-keys.md): the same key restocks once and answers the first restock again (200, replayed: true).',
        security,
        params: skuParams,
        headers: restockHeaders,
        body: restockBody,
        response: {
          201: restockResponse.meta({ description: 'the units were added' }),
          200: restockResponse.meta({ description: 'this key restocked before; nothing was added again' }),
          ...errorResponses({
            ...bearerRefusals,
            400: 'a malformed SKU id, Idempotency-Key or body',
            404: 'no such SKU',
            409: 'the key was used for another restock (IDEMPOTENCY_KEY_REUSED), or the SKU cannot hold that much stock (SKU_STOCK_LIMIT)',
          }),
        },
      },
    },
    async (request, reply) => {
      const { tenantId, userId } = principalOf(request);
      const { body } = request;
      const outcome = await restockSku(deps, tenantId, {
        skuId: request.params.skuId,
        quantity: body.quantity,
        reason: body.reason,
        restockKey: request.headers['idempotency-key'],
        requestedBy: userId.slice(0, 64),
      });
      const restock = { id: outcome.restock.id, sku_id: outcome.restock.skuId, quantity: outcome.restock.quantity, reason: outcome.restock.reason };
      return reply.status(outcome.created ? 201 : 200).send({ restock, replayed: !outcome.created, sku: skuJson(outcome.sku) });
    },
  );

  app.get(
    '/v1/admin/sales/:saleId/stock',
    {
      onRequest,
      schema: {
        summary: "A sale's stock as Redis, the books and the audit see it",
        security,
        params: saleParams,
        response: { 200: saleStockResponse, ...errorResponses({ ...bearerRefusals, 400: badSaleId, 404: 'no such sale' }) },
      },
    },
    async (request) => {
      const { tenantId } = principalOf(request);
      const sale = await findSale(deps.mysql, tenantId, request.params.saleId);
      if (!sale) throw notFound('sale', { sale_id: request.params.saleId });
      const [view, sku, audit, reservations] = await Promise.all([
        deps.reservations.view(sale.id),
        findSku(deps.mysql, tenantId, sale.skuId),
        auditTotalsForSale(deps.mysql, tenantId, sale.id),
        reservationCountsForSale(deps.mysql, tenantId, sale.id),
      ]);
      const auditJson = (totals: { rows: number; quantity: number; stockDelta: number }) => ({
        rows: totals.rows,
        quantity: totals.quantity,
        stock_delta: totals.stockDelta,
      });
      return {
        sale_id: sale.id,
        sku_id: sale.skuId,
        sale_stock: sale.stock,
        armed_at: sale.armedAt?.toISOString() ?? null,
        redis: view ? redisJson(view) : null,
        mysql: { sku_stock: sku?.stock ?? null, sku_initial_stock: sku?.initialStock ?? null },
        audit: { reserve: auditJson(audit.reserve), decrease: auditJson(audit.decrease), release: auditJson(audit.release), refund: auditJson(audit.refund) },
        reservations,
      };
    },
  );
};

const redisJson = (view: { armedStock: number; available: number; held: number; sold: number }) => ({
  armed_stock: view.armedStock,
  available: view.available,
  held: view.held,
  sold: view.sold,
});
