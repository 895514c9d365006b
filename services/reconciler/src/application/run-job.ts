/**
 * Runs one job and leaves its evidence: a `reconciliation_runs` row and metrics, also when the job
 * itself crashed (then the row says so and the error is rethrown for BullMQ's retry and the CLI's
 * exit code).
 */
import { insertRun, type RunRecord, type Trigger } from '../infra/run.repository.ts';
import type { JobDeps, JobOutcome, ReconciliationJob } from './jobs/job.ts';

const empty: JobOutcome = { checked: 0, anomalies: {}, repaired: 0, failed: 0, sampleIds: [] };

export async function runJob(deps: JobDeps, job: ReconciliationJob, triggeredBy: Trigger): Promise<RunRecord> {
  const startedAt = deps.now();
  const stopTimer = deps.metrics.duration.startTimer({ job: job.name });
  let outcome: JobOutcome = empty;
  let error: Error | undefined;
  try {
    outcome = await job.run(deps);
  } catch (caught) {
    error = caught instanceof Error ? caught : new Error(String(caught));
  }
  stopTimer();
  const anomaliesFound = Object.values(outcome.anomalies).reduce((sum, count) => sum + count, 0);
  const record: Omit<RunRecord, 'id'> = {
    ...outcome,
    job: job.name,
    triggeredBy,
    startedAt,
    finishedAt: deps.now(),
    outcome: error ? 'crashed' : 'completed',
    anomaliesFound,
    error: error ? error.message : null,
  };
  const id = await insertRun(deps.pool, record);

  deps.metrics.runs.inc({ job: job.name, outcome: record.outcome });
  // Classes this job found last time and not now drop to 0, so an alert clears after a repair.
  for (const value of (await deps.metrics.lastRunAnomalies.get()).values) {
    if (value.labels.job === job.name) deps.metrics.lastRunAnomalies.set({ job: job.name, class: String(value.labels.class) }, 0);
  }
  for (const [anomalyClass, count] of Object.entries(outcome.anomalies)) {
    deps.metrics.anomalies.inc({ job: job.name, class: anomalyClass }, count);
    deps.metrics.lastRunAnomalies.set({ job: job.name, class: anomalyClass }, count);
  }
  deps.metrics.repaired.inc({ job: job.name }, outcome.repaired);
  deps.metrics.repairFailures.inc({ job: job.name }, outcome.failed);
  const log = { job: job.name, run_id: id, checked: outcome.checked, anomalies: outcome.anomalies, repaired: outcome.repaired, failed: outcome.failed };
  if (error) deps.logger.error({ ...log, err: error }, 'reconciliation run crashed');
  else if (anomaliesFound > 0) deps.logger.warn(log, 'reconciliation run found anomalies');
  // A clean run is the usual case, ten jobs a minute: its evidence is the reconciliation_runs row and
  // the metrics; the console keeps the runs that found something.
  else deps.logger.debug(log, 'reconciliation run clean');
  if (error) throw error;
  return { ...record, id };
}
