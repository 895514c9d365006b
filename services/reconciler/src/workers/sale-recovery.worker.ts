/**
 * Sale recovery after Redis lost a sale's keys, without an operator:
 * - a BullMQ worker (concurrency 1) on `SALE_REBUILD_QUEUE` rebuilds the sale a job names, only if
 *   MySQL says it is armed and not ended and its keys are still gone (the order service asks when a
 *   reservation says "not found" for a sale MySQL knows);
 * - a detector on a local timer (every few seconds; a timer, not a BullMQ schedule, because the
 *   schedules live in the Redis that was lost) asks for every armed live sale whose keys are gone.
 * Every ask uses the sale id as its job id, so asks from many processes collapse into one job, and
 * the rebuild's own Redis lock makes a second concurrent rebuild a no-op. Each rebuild is a
 * `redis-rebuild` run with its evidence in `reconciliation_runs`.
 */
import { PeriodicTask, bullmqPrefix } from '@flash-sale/service-kit';
import { SALE_REBUILD_QUEUE, type SaleRebuildRequest } from '@flash-sale/stock-reservations';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { lostLiveSales } from '../application/rebuild-sale.ts';
import { runJob } from '../application/run-job.ts';
import type { JobDeps } from '../application/jobs/job.ts';
import { redisRebuildOfSale } from '../application/jobs/redis-rebuild.job.ts';

export interface SaleRecoveryOptions {
  connection: ConnectionOptions;
  deps: JobDeps;
  /** How often the detector looks for armed live sales whose keys are gone. */
  detectEveryMs: number;
  /** BullMQ key prefix (tests isolate their queues with it); default `bullmqPrefix(SALE_REBUILD_QUEUE)`, as the order service asks on. */
  prefix?: string;
  /** How long the detector leaves a sale whose rebuild failed before asking again (default 60 s). */
  retryFailedAfterMs?: number;
}

export interface SaleRecovery {
  queue: Queue<SaleRebuildRequest>;
  /** One detector pass now: asks for a rebuild of each lost sale; returns how many it asked for. */
  detect(): Promise<number>;
  close(): Promise<void>;
}

export const rebuildJobOptions = (saleId: string) => ({
  jobId: saleId,
  removeOnComplete: true,
  removeOnFail: true,
  attempts: 3,
  backoff: { type: 'fixed', delay: 1000 },
});

export async function startSaleRecovery(options: SaleRecoveryOptions): Promise<SaleRecovery> {
  const { deps } = options;
  const prefix = options.prefix ?? bullmqPrefix(SALE_REBUILD_QUEUE);
  const queue = new Queue<SaleRebuildRequest>(SALE_REBUILD_QUEUE, { connection: options.connection, prefix });
  const worker = new Worker<SaleRebuildRequest>(
    SALE_REBUILD_QUEUE,
    async (job) => {
      const { lost } = await lostLiveSales(deps, job.data.sale_id);
      if (lost.length === 0) return { rebuilt: false };
      deps.logger.warn({ sale_id: job.data.sale_id, requested_by: job.data.requested_by }, 'armed live sale has no Redis keys; rebuilding it from MySQL');
      const run = await runJob(deps, redisRebuildOfSale(job.data.sale_id), 'schedule');
      if (run.failed > 0) throw new Error(`rebuild of sale ${job.data.sale_id} failed (run ${run.id})`);
      return { rebuilt: run.repaired > 0, run_id: run.id };
    },
    { connection: options.connection, prefix, concurrency: 1 },
  );
  // A rebuild that failed (books that oversell need a person) is asked for again after a pause,
  // not on every detector tick: each try leaves a run row and an alert already.
  const failedAtMs = new Map<string, number>();
  worker.on('failed', (job, error) => {
    deps.logger.error({ err: error, sale_id: job?.data.sale_id }, 'sale rebuild failed');
    if (job && job.attemptsMade >= (job.opts.attempts ?? 1)) failedAtMs.set(job.data.sale_id, Date.now());
  });

  const detect = async () => {
    const { lost } = await lostLiveSales(deps);
    for (const sale of lost) {
      if ((failedAtMs.get(sale.saleId) ?? 0) > Date.now() - (options.retryFailedAfterMs ?? 60_000)) continue;
      failedAtMs.delete(sale.saleId);
      deps.logger.error({ sale_id: sale.saleId }, 'armed live sale has no Redis keys: Redis lost its data; asking for a rebuild');
      await queue.add('rebuild', { sale_id: sale.saleId, tenant_id: sale.tenantId, requested_by: 'reconciler-detector' }, rebuildJobOptions(sale.saleId));
    }
    return lost.length;
  };
  const detector = new PeriodicTask('sale-loss-detector', detect, deps.logger);
  detector.start(options.detectEveryMs);

  return {
    queue,
    detect,
    close: async () => {
      await detector.stop();
      await worker.close();
      await queue.close();
    },
  };
}
