/** `replay_runs`: the evidence record (E of its recovery contract, docs/recovery-contracts.md) of every replay, in the reconciler's schema. */
import type { Pool, ResultSetHeader } from 'mysql2/promise';

export interface ReplayEvidence {
  events_processed: number;
  duplicates_skipped: number;
  projections_changed: number;
  reconciliation_failures: number;
  confidence_status: 'trusted' | 'untrusted';
}

export interface ReplayRun {
  flow: string;
  scope: unknown;
  applied: boolean;
  startedAt: Date;
  finishedAt: Date;
  evidence: ReplayEvidence;
  details: unknown;
}

/** The evidence of a replay whose checks found `failures` problems: trusted only at zero. */
export const evidenceOf = (counts: Omit<ReplayEvidence, 'reconciliation_failures' | 'confidence_status'>, failures: number): ReplayEvidence => ({
  ...counts,
  reconciliation_failures: failures,
  confidence_status: failures === 0 ? 'trusted' : 'untrusted',
});

export async function insertReplayRun(pool: Pool, run: ReplayRun): Promise<number> {
  const [stored] = await pool.query<ResultSetHeader>(
    `INSERT INTO replay_runs (flow, scope, applied, started_at, finished_at, events_processed, duplicates_skipped, projections_changed, reconciliation_failures, confidence_status, details)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      run.flow,
      JSON.stringify(run.scope),
      run.applied,
      run.startedAt,
      run.finishedAt,
      run.evidence.events_processed,
      run.evidence.duplicates_skipped,
      run.evidence.projections_changed,
      run.evidence.reconciliation_failures,
      run.evidence.confidence_status,
      JSON.stringify(run.details),
    ],
  );
  return stored.insertId;
}
