/**
 * Ending a sale (ops ended it early, or its window is over) returns its unsold allocation to the
 * SKU (docs/adr/0005-sale-allocations.md). The sale keeps only the units its open holds may still
 * take: those orders can still reach the books, and their units must be there when they do.
 *
 * In one MySQL transaction with the sale row locked: close the sale in Redis (no reservation after
 * that), read its holds in the same atomic step, keep min(allocation, held), free the rest. The
 * consumers lock the same sale row before any allocation change and before their Redis call, so
 * the held count read here already includes, or already excludes, each handler's effect.
 */
import { AppError, conflict, notFound, type MysqlPool, withTransaction } from '@flash-sale/service-kit';
import { StockReservationError, type StockReservations, type StockView } from '@flash-sale/stock-reservations';
import { findSale, markEnded, type FlashSale } from '../infra/sale.repository.ts';
import { freeUnits } from '../infra/sku.repository.ts';

export interface EndSaleDeps {
  mysql: MysqlPool;
  reservations: StockReservations;
  now: () => Date;
}

export interface EndOutcome {
  sale: FlashSale;
  /** False when the sale had ended before: nothing changed. */
  ended: boolean;
  /** Units given back to the SKU by this call. */
  returnedUnits: number;
  /** Redis as the close left it; null for a sale that was never armed. */
  view: StockView | null;
}

export async function endSale(deps: EndSaleDeps, tenantId: string, saleId: string): Promise<EndOutcome> {
  return withTransaction(deps.mysql, async (tx) => {
    const sale = await findSale(tx, tenantId, saleId, { forUpdate: true });
    if (!sale) throw notFound('sale', { sale_id: saleId });
    if (sale.endedAt) return { sale, ended: false, returnedUnits: 0, view: await deps.reservations.view(sale.id) };

    const now = deps.now();
    let view: StockView | null;
    try {
      view = await deps.reservations.close(sale.id, now.getTime());
    } catch (error) {
      if (error instanceof StockReservationError && error.code === 'REBUILD_IN_PROGRESS') {
        throw new AppError(
          'SALE_REBUILDING',
          503,
          'the sale is being rebuilt in Redis; end it again in a moment',
          { sale_id: sale.id },
          { retryAfterSeconds: 1 },
        );
      }
      throw error;
    }
    // Without its Redis keys an armed sale's open holds are unknown: keep everything until rebuilt.
    if (!view && sale.armedAt)
      throw conflict('SALE_NEEDS_REBUILD', 'sale was armed but its Redis stock is gone; rebuild it before ending it', { sale_id: sale.id });

    const kept = Math.min(sale.allocated, view?.held ?? 0);
    const returnedUnits = sale.allocated - kept;
    if (!(await markEnded(tx, sale.id, now, kept))) throw new Error(`sale ${sale.id} ended while locked`);
    if (returnedUnits > 0 && !(await freeUnits(tx, tenantId, sale.skuId, returnedUnits))) {
      throw new Error(`sku ${sale.skuId} allocation is below its sale ${sale.id}'s`);
    }
    const ended = (await findSale(tx, tenantId, sale.id)) ?? sale;
    return { sale: ended, ended: true, returnedUnits, view };
  });
}
