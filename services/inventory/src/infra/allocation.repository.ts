/**
 * How the consumers' stock changes move a sale's allocation (docs/adr/0005-sale-allocations.md).
 * Each locks the sale row, then the SKU row, in the handler's transaction; the end of a sale takes
 * the same locks in the same order, so it sees either all of a handler's effect or none of it.
 * A handler locks the sale row first thing and passes it in (`locked`); it is read again only
 * when the line names another sale than the one locked.
 */
import { type Sql } from '@flash-sale/service-kit';
import { changeSaleAllocation, lockSaleForAllocation, type FlashSale } from './sale.repository.ts';
import { freeUnits, returnUnits, sellUnits } from './sku.repository.ts';

export interface SaleLine {
  tenantId: string;
  saleId: string;
  skuId: string;
  quantity: number;
}

const saleOf = async (sql: Sql, line: SaleLine, locked: FlashSale | undefined) => {
  const sale = locked?.id === line.saleId ? locked : await lockSaleForAllocation(sql, line.saleId);
  // A line naming another tenant's sale, or another SKU, draws on no allocation at all.
  return sale && sale.tenantId === line.tenantId && sale.skuId === line.skuId ? sale : undefined;
};

/**
 * An order's units leave the books, out of its sale's allocation. Units beyond what the sale still
 * holds (a sale that sold more than it kept) must come from the SKU's unallocated stock; false
 * when they cannot, because taking them would break another sale's promise.
 */
export async function sellFromSale(sql: Sql, line: SaleLine, locked: FlashSale | undefined): Promise<boolean> {
  const sale = await saleOf(sql, line, locked);
  const fromAllocation = Math.min(line.quantity, sale?.allocated ?? 0);
  if (!(await sellUnits(sql, line.tenantId, line.skuId, line.quantity, fromAllocation))) return false;
  if (sale) await changeSaleAllocation(sql, sale.id, -fromAllocation);
  return true;
}

/**
 * A committed order's units come back to the books (release, or refund with restock) and to its
 * sale in Redis. A live sale can sell them again, so they rejoin its allocation; an ended sale
 * cannot, so they are the SKU's to allocate anew.
 */
export async function returnToSale(sql: Sql, line: SaleLine, locked: FlashSale | undefined): Promise<void> {
  const sale = await saleOf(sql, line, locked);
  const toAllocation = sale && sale.endedAt === null ? line.quantity : 0;
  if (!(await returnUnits(sql, line.tenantId, line.skuId, line.quantity, toAllocation))) {
    throw new Error(`sku ${line.skuId} of tenant ${line.tenantId} vanished while returning stock`);
  }
  if (sale) await changeSaleAllocation(sql, sale.id, toAllocation);
}

/**
 * A hold released before its order reached the books. In a live sale the units go back to its
 * Redis stock and stay allocated. An ended sale kept them allocated only for this hold (see
 * `endSale`); with the hold gone they return to the SKU, or they would leak.
 */
export async function releaseUncommittedHold(sql: Sql, line: SaleLine, locked: FlashSale | undefined): Promise<void> {
  const sale = await saleOf(sql, line, locked);
  if (!sale || sale.endedAt === null) return;
  const units = Math.min(line.quantity, sale.allocated);
  if (units === 0) return;
  await changeSaleAllocation(sql, sale.id, -units);
  if (!(await freeUnits(sql, line.tenantId, line.skuId, units))) throw new Error(`sku ${line.skuId} allocation is below its sale ${sale.id}'s`);
}
