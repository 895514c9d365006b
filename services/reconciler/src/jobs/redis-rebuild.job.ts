/**
 * The one command for "Redis lost everything": rebuilds every armed sale that has not ended from
 * MySQL, holds of PENDING orders included, so the sale goes on without selling a unit twice.
 * Rebuilding a healthy sale gives the same state (the script replaces the keys wholesale).
 */
import { rebuildSale } from '../application/rebuild-sale.ts';
import { armedSales } from '../application/sale-books.ts';
import { Tally, type JobDeps, type ReconciliationJob } from './job.ts';

export const redisRebuildJob: ReconciliationJob = {
  name: 'redis-rebuild',
  description: 'Rebuild every armed, not yet ended sale in Redis from MySQL (after Redis lost its data)',
  // On demand only in practice; the schedule is long so a forgotten sale is still caught.
  everyMs: 24 * 3600_000,
  async run(deps: JobDeps) {
    const tally = new Tally(deps.logger);
    const nowMs = deps.now().getTime();
    for (const sale of await armedSales(deps.pool, deps.tables)) {
      if (sale.endsAtMs <= nowMs) continue;
      tally.checked += 1;
      const lost = (await deps.reservations.view(sale.saleId)) === null;
      if (lost) tally.found('redis_sale_lost', sale.saleId);
      await tally.repair('redis_sale_lost', sale.saleId, async () => {
        await rebuildSale(deps, sale);
        return lost;
      });
    }
    return tally.outcome();
  },
};
