/**
 * "Redis lost everything", as a job: rebuilds every armed, not yet ended sale whose keys are gone
 * (and that no one is rebuilding), from MySQL, holds of PENDING orders included, so the sale goes
 * on without selling a unit twice. A sale whose keys exist is left alone here; a drifted one is
 * the stock check's business. The reconciler's sale-recovery worker runs it for one sale within
 * seconds of a loss (see `workers/sale-recovery.worker.ts`); `npm run reconcile -- redis-rebuild`
 * runs it for all of them now.
 */
import { lostLiveSales, rebuildSale } from '../rebuild-sale.ts';
import { Tally, type JobDeps, type ReconciliationJob } from './job.ts';

async function rebuildLost(deps: JobDeps, saleId?: string) {
  const tally = new Tally(deps.logger);
  const { live, lost } = await lostLiveSales(deps, saleId);
  tally.checked += live;
  for (const sale of lost) {
    tally.found('redis_sale_lost', sale.saleId);
    await tally.repair('redis_sale_lost', sale.saleId, async () => (await rebuildSale(deps, sale)) !== null);
  }
  return tally.outcome();
}

export const redisRebuildJob: ReconciliationJob = {
  name: 'redis-rebuild',
  description: 'Rebuild every armed, not yet ended sale whose Redis keys are gone, from MySQL (after Redis lost its data)',
  // The sale-recovery worker catches a loss within seconds; this schedule is the backstop.
  everyMs: 24 * 3600_000,
  run: (deps: JobDeps) => rebuildLost(deps),
};

/** The same job for one sale (a rebuild asked for by the order service or the detector). */
export const redisRebuildOfSale = (saleId: string): ReconciliationJob => ({ ...redisRebuildJob, run: (deps: JobDeps) => rebuildLost(deps, saleId) });
