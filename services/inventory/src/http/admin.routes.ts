/**
 * Ops-only admin API: SKUs, restock, flash sales (created with their allocation, armed, ended), and
 * a sale's stock as Redis, the books and the audit see it. Every query is scoped by the caller's
 * tenant.
 */
import { conflict, notFound, principalOf, requireRole, type Logger, type MysqlPool } from '@flash-sale/service-kit';
import type { StockReservations } from '@flash-sale/stock-reservations';
import type { FastifyInstance } from 'fastify';
import { armSale } from '../application/arm-sale.ts';
import { createSale } from '../application/create-sale.ts';
import { endSale } from '../application/end-sale.ts';
import { restockSku } from '../application/restock-sku.ts';
import { auditTotalsForSale } from '../infra/audit.repository.ts';
import { reservationCountsForSale } from '../infra/reservation.repository.ts';
import { findSale, type FlashSale } from '../infra/sale.repository.ts';
import { findSku, insertSku, type Sku } from '../infra/sku.repository.ts';
import { isDuplicateKey } from '../infra/sql.ts';
import { createSaleBody, createSkuBody, restockBody, restockHeaders, saleParams, skuParams } from './admin.schemas.ts';
import { parseOrThrow } from './parse.ts';

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

export async function adminRoutes(app: FastifyInstance, deps: AdminRoutesDeps): Promise<void> {
  const opsOnly = { onRequest: requireRole('ops') };

  app.post('/v1/admin/skus', opsOnly, async (request, reply) => {
    const { tenantId } = principalOf(request);
    const body = parseOrThrow(createSkuBody, request.body, 'body');
    try {
      await insertSku(deps.mysql, { tenantId, id: body.id, name: body.name, stock: body.stock });
    } catch (error) {
      if (isDuplicateKey(error)) throw conflict('SKU_EXISTS', 'a SKU with this id exists', { sku_id: body.id });
      throw error;
    }
    return reply.status(201).send(skuJson({ tenantId, id: body.id, name: body.name, initialStock: body.stock, stock: body.stock, allocated: 0 }));
  });

  app.get('/v1/admin/skus/:skuId', opsOnly, async (request) => {
    const { tenantId } = principalOf(request);
    const { skuId } = parseOrThrow(skuParams, request.params, 'params');
    const sku = await findSku(deps.mysql, tenantId, skuId);
    if (!sku) throw notFound('sku', { sku_id: skuId });
    return skuJson(sku);
  });

  app.post('/v1/admin/sales', opsOnly, async (request, reply) => {
    const { tenantId } = principalOf(request);
    const body = parseOrThrow(createSaleBody, request.body, 'body');
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
  });

  app.get('/v1/admin/sales/:saleId', opsOnly, async (request) => {
    const { tenantId } = principalOf(request);
    const { saleId } = parseOrThrow(saleParams, request.params, 'params');
    const sale = await findSale(deps.mysql, tenantId, saleId);
    if (!sale) throw notFound('sale', { sale_id: saleId });
    return saleJson(sale);
  });

  app.post('/v1/admin/sales/:saleId/arm', opsOnly, async (request) => {
    const { tenantId } = principalOf(request);
    const { saleId } = parseOrThrow(saleParams, request.params, 'params');
    const outcome = await armSale(deps, tenantId, saleId);
    return { sale: saleJson(outcome.sale), armed: outcome.armed, redis: redisJson(outcome.view) };
  });

  // Closes the sale now and returns its unsold allocation; open holds keep their units.
  app.post('/v1/admin/sales/:saleId/end', opsOnly, async (request) => {
    const { tenantId } = principalOf(request);
    const { saleId } = parseOrThrow(saleParams, request.params, 'params');
    const outcome = await endSale(deps, tenantId, saleId);
    return { sale: saleJson(outcome.sale), ended: outcome.ended, returned_units: outcome.returnedUnits, redis: outcome.view ? redisJson(outcome.view) : null };
  });

  app.post('/v1/admin/skus/:skuId/restock', opsOnly, async (request, reply) => {
    const { tenantId, userId } = principalOf(request);
    const { skuId } = parseOrThrow(skuParams, request.params, 'params');
    const headers = parseOrThrow(restockHeaders, request.headers, 'headers');
    const body = parseOrThrow(restockBody, request.body, 'body');
    const outcome = await restockSku(deps, tenantId, { skuId, quantity: body.quantity, reason: body.reason, restockKey: headers['idempotency-key'], requestedBy: userId.slice(0, 64) });
    const restock = { id: outcome.restock.id, sku_id: outcome.restock.skuId, quantity: outcome.restock.quantity, reason: outcome.restock.reason };
    return reply.status(outcome.created ? 201 : 200).send({ restock, replayed: !outcome.created, sku: skuJson(outcome.sku) });
  });

  app.get('/v1/admin/sales/:saleId/stock', opsOnly, async (request) => {
    const { tenantId } = principalOf(request);
    const { saleId } = parseOrThrow(saleParams, request.params, 'params');
    const sale = await findSale(deps.mysql, tenantId, saleId);
    if (!sale) throw notFound('sale', { sale_id: saleId });
    const [view, sku, audit, reservations] = await Promise.all([
      deps.reservations.view(sale.id),
      findSku(deps.mysql, tenantId, sale.skuId),
      auditTotalsForSale(deps.mysql, tenantId, sale.id),
      reservationCountsForSale(deps.mysql, tenantId, sale.id),
    ]);
    return {
      sale_id: sale.id,
      sku_id: sale.skuId,
      sale_stock: sale.stock,
      armed_at: sale.armedAt?.toISOString() ?? null,
      redis: view ? redisJson(view) : null,
      mysql: { sku_stock: sku?.stock ?? null, sku_initial_stock: sku?.initialStock ?? null },
      audit: Object.fromEntries(
        Object.entries(audit).map(([operation, totals]) => [operation, { rows: totals.rows, quantity: totals.quantity, stock_delta: totals.stockDelta }]),
      ),
      reservations,
    };
  });
}

const redisJson = (view: { armedStock: number; available: number; held: number; sold: number }) => ({
  armed_stock: view.armedStock,
  available: view.available,
  held: view.held,
  sold: view.sold,
});
