/**
 * Creating a sale allocates its units from the SKU in the same transaction as the sale row, with
 * one guarded UPDATE (docs/adr/0005-sale-allocations.md): two sales can never together offer more
 * than the SKU has, however many are created at once. Sales of the SKU whose window is over are
 * ended first, so their unsold units count as free again.
 */
import { randomUUID } from 'node:crypto';
import { AppError, conflict, notFound, type Logger, type MysqlPool, withTransaction } from '@flash-sale/service-kit';
import type { StockReservations } from '@flash-sale/stock-reservations';
import { insertSale, unendedSalesPastWindow, type FlashSale } from '../infra/sale.repository.ts';
import { allocateUnits, findSku } from '../infra/sku.repository.ts';
import { endSale } from './end-sale.ts';

export interface CreateSaleDeps {
  mysql: MysqlPool;
  reservations: StockReservations;
  now: () => Date;
  logger: Logger;
}

/** What ops choose for a sale; the rest of its row is derived here. */
export type NewSale = Pick<FlashSale, 'skuId' | 'stock' | 'unitPriceMinor' | 'currency' | 'startsAt' | 'endsAt' | 'perUserLimit' | 'holdTtlSeconds'>;

export async function createSale(deps: CreateSaleDeps, tenantId: string, input: NewSale): Promise<FlashSale> {
  const sku = await findSku(deps.mysql, tenantId, input.skuId);
  if (!sku) throw notFound('sku', { sku_id: input.skuId });
  if (input.stock > sku.stock) {
    throw conflict('INSUFFICIENT_SKU_STOCK', 'a sale cannot offer more units than its SKU has', {
      sku_id: sku.id,
      sku_stock: sku.stock,
      requested: input.stock,
    });
  }
  for (const saleId of await unendedSalesPastWindow(deps.mysql, tenantId, sku.id, deps.now())) {
    try {
      await endSale(deps, tenantId, saleId);
    } catch (error) {
      // Such a sale keeps its allocation until it can be ended: the new sale may not fit, never oversell.
      if (!(error instanceof AppError)) throw error;
      deps.logger.warn({ sale_id: saleId, code: error.code }, 'sale past its window could not be ended; its allocation still counts');
    }
  }

  const sale: FlashSale = { ...input, id: randomUUID(), tenantId, skuId: sku.id, allocated: input.stock, armedAt: null, endedAt: null };
  await withTransaction(deps.mysql, async (tx) => {
    if (!(await allocateUnits(tx, tenantId, sku.id, input.stock))) {
      const current = (await findSku(tx, tenantId, sku.id)) ?? sku;
      throw conflict('SKU_STOCK_ALLOCATED', 'the SKU stock not yet allocated to other sales cannot cover this sale', {
        sku_id: sku.id,
        sku_stock: current.stock,
        allocated: current.allocated,
        unallocated: Math.max(0, current.stock - current.allocated),
        requested: input.stock,
      });
    }
    await insertSale(tx, sale);
  });
  return sale;
}
