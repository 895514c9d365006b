/**
 * The one command for "Redis lost everything": rebuilds every armed sale that has not ended and
 * whose keys are gone, from MySQL, holds of PENDING orders included, so the sale goes on without
 * selling a unit twice. A sale whose keys exist is left alone: re-seeding a live sale from the
 * books would race its in-flight reservations (the anti-pattern CONVENTIONS.md warns about).
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
      if ((await deps.reservations.view(sale.saleId)) !== null) continue;
      tally.found('redis_sale_lost', sale.saleId);
      await tally.repair('redis_sale_lost', sale.saleId, async () => {
        await rebuildSale(deps, sale);
        return true;
      });
    }
    return tally.outcome();
  },
};
