/**
 * Arming loads a sale's stock into Redis, explicitly and once. Redis decides "once" (the arm script
 * does nothing for an armed sale); MySQL remembers that it happened, so a sale whose Redis keys
 * were lost is refused here and sent to the rebuild, which counts what was already sold; a second
 * plain arm would hand out the whole stock again.
 */
import { AppError, conflict, notFound, type MysqlPool } from '@flash-sale/service-kit';
import type { StockReservations, StockView } from '@flash-sale/stock-reservations';
import { findSale, markArmed, type FlashSale } from '../infra/sale.repository.ts';

export interface ArmOutcome {
  sale: FlashSale;
  armed: boolean;
  view: StockView;
}

export async function armSale(
  deps: { mysql: MysqlPool; reservations: StockReservations; now: () => Date },
  tenantId: string,
  saleId: string,
): Promise<ArmOutcome> {
  const sale = await findSale(deps.mysql, tenantId, saleId);
  if (!sale) throw notFound('sale', { sale_id: saleId });
  const now = deps.now();
  if (sale.armedAt) {
    const view = await deps.reservations.view(sale.id);
    if (!view) throw conflict('SALE_NEEDS_REBUILD', 'sale was armed but its Redis stock is gone; rebuild it from the books', { sale_id: sale.id });
    return { sale, armed: false, view };
  }
  if (now.getTime() >= sale.endsAt.getTime()) throw conflict('SALE_ENDED', 'sale has ended', { sale_id: sale.id });

  const { armed } = await deps.reservations.arm({
    saleId: sale.id,
    tenantId: sale.tenantId,
    skuId: sale.skuId,
    stock: sale.stock,
    unitPriceMinor: sale.unitPriceMinor,
    currency: sale.currency,
    startsAtMs: sale.startsAt.getTime(),
    endsAtMs: sale.endsAt.getTime(),
    perUserLimit: sale.perUserLimit,
    holdTtlMs: sale.holdTtlSeconds * 1000,
  });
  // Redis first: if this write fails, the next arm finds Redis armed and only records it here.
  await markArmed(deps.mysql, tenantId, sale.id, now);
  const view = await deps.reservations.view(sale.id);
  if (!view) throw new AppError('INTERNAL', 500, 'sale vanished from Redis right after arming');
  return { sale: { ...sale, armedAt: sale.armedAt ?? now }, armed, view };
}
