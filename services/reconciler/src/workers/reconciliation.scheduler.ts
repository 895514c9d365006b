/**
 * Every job on a BullMQ job scheduler, registered idempotently (`upsertJobScheduler`), so each
 * replica may register and one replica takes each run, one run at a time across the replicas. The schedulers live in Redis, so a Redis
 * that lost its data loses them too: a local timer checks every few seconds that each still exists
 * and re-creates the missing ones. A job that crashes is retried by BullMQ; its crash is on record
 * in `reconciliation_runs` either way.
 */
import { PeriodicTask, bullmqPrefix } from '@flash-sale/service-kit';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { runJob } from '../application/run-job.ts';
import type { JobDeps, ReconciliationJob } from '../application/jobs/job.ts';

export const RECONCILIATION_QUEUE = 'reconciliation';

export interface SchedulerOptions {
  connection: ConnectionOptions;
  deps: JobDeps;
  jobs: readonly ReconciliationJob[];
  /** Overrides each job's own period except those with a longer one (the daily rebuild). */
  everyMs?: number;
  /** BullMQ key prefix (tests isolate their queues with it); default `bullmqPrefix(RECONCILIATION_QUEUE)`, hash-tagged for a cluster. */
  prefix?: string;
  /** How often the schedulers are checked and re-created when missing (default 5 s). */
  ensureEveryMs?: number;
}

export interface ReconciliationScheduler {
  queue: Queue;
  /** Re-creates the schedulers that are missing now; returns their names. */
  ensureSchedulers(): Promise<string[]>;
  close(): Promise<void>;
}

export async function startReconciliationScheduler(options: SchedulerOptions): Promise<ReconciliationScheduler> {
  const prefix = options.prefix ?? bullmqPrefix(RECONCILIATION_QUEUE);
  const queue = new Queue(RECONCILIATION_QUEUE, { connection: options.connection, prefix });
  // One run at a time across every replica, not only within this one: repairs of different jobs
  // may touch the same order, and each replica runs a worker so the runs go on when one is down.
  await queue.setGlobalConcurrency(1);
  const upsert = (job: ReconciliationJob) => {
    const every = options.everyMs && job.everyMs <= 3600_000 ? options.everyMs : job.everyMs;
    return queue.upsertJobScheduler(
      job.name,
      { every },
      { name: job.name, opts: { removeOnComplete: 200, removeOnFail: 500, attempts: 2, backoff: { type: 'exponential', delay: 5000 } } },
    );
  };
  for (const job of options.jobs) await upsert(job);
  const ensureSchedulers = async () => {
    const recreated: string[] = [];
    for (const job of options.jobs) {
      if (await queue.getJobScheduler(job.name)) continue;
      await upsert(job);
      recreated.push(job.name);
    }
    if (recreated.length > 0) options.deps.logger.warn({ schedulers: recreated }, 'reconciliation schedulers were missing from Redis; re-created');
    return recreated;
  };
  const guard = new PeriodicTask('reconciliation-scheduler-guard', ensureSchedulers, options.deps.logger);
  guard.start(options.ensureEveryMs ?? 5000);
  const byName = new Map(options.jobs.map((job) => [job.name, job]));
  const worker = new Worker(
    RECONCILIATION_QUEUE,
    async (bullJob) => {
      const job = byName.get(bullJob.name);
      if (!job) throw new Error(`unknown reconciliation job ${bullJob.name}`);
      const run = await runJob(options.deps, job, 'schedule');
      return { run_id: run.id, anomalies: run.anomalies, repaired: run.repaired, failed: run.failed };
    },
    { connection: options.connection, prefix, concurrency: 1 },
  );
  worker.on('failed', (job, error) => options.deps.logger.error({ err: error, job: job?.name }, 'scheduled reconciliation failed'));
  return {
    queue,
    ensureSchedulers,
    close: async () => {
      await guard.stop();
      await worker.close();
      await queue.close();
    },
  };
}
