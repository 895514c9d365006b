/**
 * Rebuilds one armed sale's Redis keys from MySQL through the fenced, chunked rebuild of
 * `@flash-sale/stock-reservations`: the books are streamed a page at a time, and holds Redis still
 * has for orders MySQL does not know yet, and that have not expired, are carried over (their MySQL
 * write is in flight; dropping them would let their units be sold twice; the orphan-hold job
 * releases the ones whose write failed). After a total Redis loss there are none, and a write in
 * flight is in neither Redis nor the books yet: so once Redis refuses reservations, and before the
 * books are read, the sale's write fence in the order database is bumped. Every order committed
 * before the bump is in the books read after it; every write reserved under the old epoch that comes
 * after it is refused by the order service (503 SALE_RECOVERING, its retry reserves on the rebuilt
 * sale), so no unit is sold twice (docs/adr/0006-redis-loss-recovery.md). Reservations are refused
 * while it runs and land on the rebuilt sale after, never in between; a second rebuild of the same
 * sale meanwhile is refused (REBUILD_IN_PROGRESS).
 */
import type { Logger } from '@flash-sale/service-kit';
import { StockReservationError, type RebuildOutcome, type StockReservations } from '@flash-sale/stock-reservations';
import type { RedisClient } from '@flash-sale/service-kit';
import { bumpSaleWriteFence } from '../infra/sale-write-fence.ts';
import type { ServiceDatabases } from '../infra/service-databases.ts';
import { armedSales, unitsOutOfSale, type ArmedSale } from './sale-books.ts';

export interface RebuildDeps {
  databases: Pick<ServiceDatabases, 'order' | 'inventory'>;
  redis: RedisClient;
  reservations: StockReservations;
  logger: Logger;
  now: () => Date;
}

/** Another process is rebuilding this sale right now: not a failure, nothing for this one to do. */
const isRebuildInProgress = (error: unknown) => error instanceof StockReservationError && error.code === 'REBUILD_IN_PROGRESS';

/** The rebuilt counters, or null when another process is rebuilding the sale right now. */
export async function rebuildSale(deps: RebuildDeps, sale: ArmedSale): Promise<RebuildOutcome | null> {
  const startedMs = Date.now();
  let outcome: RebuildOutcome;
  try {
    outcome = await deps.reservations.rebuild(sale, unitsOutOfSale(deps.databases, sale.saleId), {
      carryLiveHoldsAtMs: deps.now().getTime(),
      fenceWrites: () => bumpSaleWriteFence(deps.databases.order, sale.saleId),
      // An ops "end sale" committed between the first read and the fence must win.
      rereadSale: async () => {
        const [current] = await armedSales(deps.databases.inventory, { saleId: sale.saleId });
        if (!current) throw new Error(`sale ${sale.saleId} is no longer armed in the books`);
        return current;
      },
    });
  } catch (error) {
    if (isRebuildInProgress(error)) return null;
    throw error;
  }
  deps.logger.warn({ sale_id: sale.saleId, ...outcome, took_ms: Date.now() - startedMs }, 'sale rebuilt in Redis from MySQL');
  return outcome;
}

/** Armed sales that have not ended (optionally one of them) whose Redis keys are gone with no rebuild running. */
export async function lostLiveSales(deps: RebuildDeps, saleId?: string): Promise<{ live: number; lost: ArmedSale[] }> {
  const live = await armedSales(deps.databases.inventory, { ...(saleId === undefined ? {} : { saleId }), liveAt: deps.now() });
  const lost = new Set(await deps.reservations.lostSales(live.map((sale) => sale.saleId)));
  return { live: live.length, lost: live.filter((sale) => lost.has(sale.saleId)) };
}
