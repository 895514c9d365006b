/**
 * Retention of bookkeeping tables that would otherwise grow forever (consumer dedupe rows,
 * Idempotency-Key records). Rows are deleted in bounded batches with a pause between them, so a
 * purge never holds locks for long or starves the hot path of the connection pool.
 *
 * Like the outbox purge, each batch picks primary keys with a plain (lock-free) read, then deletes
 * by primary key: a ranged DELETE on the expiry index would take gap locks that can block the
 * inserts of live traffic.
 */
import type { Pool, ResultSetHeader, RowDataPacket } from 'mysql2/promise';

const WEEK_MS = 7 * 24 * 3600 * 1000;
const DAY_MS = 24 * 3600 * 1000;

/**
 * How long a consumer remembers an event it handled. An event can reach a consumer again as long
 * as a copy of it can be read: domain topics keep 7 days (the broker default) and a redrive from a
 * dead-letter or quarantine topic (kept 4 weeks, `topics.ts`) republishes to the original topic,
 * where every group sees it again. 30 days outlives both; a row older than that guards nothing.
 */
export const CONSUMER_DEDUPE_RETENTION_MS = 4 * WEEK_MS + 2 * DAY_MS;

/** How often a service runs its purges: often enough that no run meets a large backlog. */
export const RETENTION_PURGE_INTERVAL_MS = 60_000;

export interface PurgeOptions {
  /** Rows per DELETE. */
  batchSize?: number;
  /** Pause between two batches. */
  pauseMs?: number;
  /** Batches per call; what is left waits for the next run. */
  maxBatches?: number;
}

export interface ExpiredRows {
  table: string;
  /** The primary key's columns. */
  keyColumns: readonly string[];
  /** The indexed column compared with `before`. */
  expiryColumn: string;
  /** Rows whose expiry column is strictly earlier are deleted. */
  before: Date;
}

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Deletes the rows of `target` that expired before `target.before`; returns how many went. */
export async function purgeExpiredRows(pool: Pool, target: ExpiredRows, options: PurgeOptions = {}): Promise<number> {
  const batchSize = options.batchSize ?? 1000;
  const pauseMs = options.pauseMs ?? 50;
  const maxBatches = options.maxBatches ?? 100;
  for (const name of [target.table, target.expiryColumn, ...target.keyColumns]) {
    if (!identifier.test(name)) throw new Error(`unsafe identifier ${name}`);
  }
  const keys = target.keyColumns.join(', ');
  let deleted = 0;
  for (let batch = 0; batch < maxBatches; batch += 1) {
    if (batch > 0 && pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
    const [rows] = await pool.query<RowDataPacket[]>(
      `SELECT ${keys} FROM ${target.table} WHERE ${target.expiryColumn} < ? ORDER BY ${target.expiryColumn} LIMIT ?`,
      [target.before, batchSize],
    );
    if (rows.length === 0) break;
    const tuples = rows.map((row) => target.keyColumns.map((column) => row[column] as unknown));
    // The expiry is checked again: a row renewed since the read stays.
    const [result] = await pool.query<ResultSetHeader>(`DELETE FROM ${target.table} WHERE (${keys}) IN (?) AND ${target.expiryColumn} < ?`, [
      tuples,
      target.before,
    ]);
    deleted += result.affectedRows;
    if (rows.length < batchSize) break;
  }
  return deleted;
}

/** Forgets handled events older than the retention (see `CONSUMER_DEDUPE_RETENTION_MS`). */
export async function purgeConsumerDedupe(pool: Pool, options: PurgeOptions & { now: () => Date; retentionMs?: number }): Promise<number> {
  const before = new Date(options.now().getTime() - (options.retentionMs ?? CONSUMER_DEDUPE_RETENTION_MS));
  return purgeExpiredRows(pool, { table: 'consumer_dedupe', keyColumns: ['consumer', 'event_id'], expiryColumn: 'processed_at', before }, options);
}
