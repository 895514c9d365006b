/** `reconciliation_runs`: one evidence row per run, in the reconciler's own schema. */
import { utcDate } from '@flash-sale/service-kit';
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { JobOutcome } from '../application/jobs/job.ts';

export type Trigger = 'schedule' | 'cli' | 'http' | 'test';

export interface RunRecord extends JobOutcome {
  id: number;
  job: string;
  triggeredBy: Trigger;
  startedAt: Date;
  finishedAt: Date;
  outcome: 'completed' | 'crashed';
  anomaliesFound: number;
  error: string | null;
}

export async function insertRun(pool: Pool, run: Omit<RunRecord, 'id'>): Promise<number> {
  const [result] = await pool.query<ResultSetHeader>(
    `INSERT INTO reconciliation_runs (job, triggered_by, started_at, finished_at, outcome, rows_checked, anomalies_found, anomalies_by_class, repaired, failed, sample_ids, error)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      run.job,
      run.triggeredBy,
      run.startedAt,
      run.finishedAt,
      run.outcome,
      run.checked,
      run.anomaliesFound,
      JSON.stringify(run.anomalies),
      run.repaired,
      run.failed,
      JSON.stringify(run.sampleIds),
      run.error?.slice(0, 5000) ?? null,
    ],
  );
  return result.insertId;
}

interface RunRow extends RowDataPacket {
  id: string;
  job: string;
  triggered_by: Trigger;
  started_at: string;
  finished_at: string;
  outcome: 'completed' | 'crashed';
  rows_checked: number;
  anomalies_found: number;
  anomalies_by_class: string;
  repaired: number;
  failed: number;
  sample_ids: string;
  error: string | null;
}

export async function recentRuns(pool: Pool, options: { job?: string; limit?: number } = {}): Promise<RunRecord[]> {
  const [rows] = await pool.query<RunRow[]>(
    `SELECT * FROM reconciliation_runs${options.job ? ' WHERE job = ?' : ''} ORDER BY id DESC LIMIT ?`,
    options.job ? [options.job, options.limit ?? 50] : [options.limit ?? 50],
  );
  return rows.map((row) => ({
    id: Number(row.id),
    job: row.job,
    triggeredBy: row.triggered_by,
    startedAt: utcDate(row.started_at),
    finishedAt: utcDate(row.finished_at),
    outcome: row.outcome,
    checked: Number(row.rows_checked),
    anomaliesFound: Number(row.anomalies_found),
    anomalies: JSON.parse(row.anomalies_by_class) as Record<string, number>,
    repaired: Number(row.repaired),
    failed: Number(row.failed),
    sampleIds: JSON.parse(row.sample_ids) as string[],
    error: row.error,
  }));
}
