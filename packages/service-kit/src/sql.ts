/**
 * What the services' repositories share about MySQL: the type of whatever runs a statement, the
 * duplicate-key test, and DATETIME values as the pools of `createMysqlPool` return them (strings in
 * UTC: `dateStrings`, `timezone: 'Z'`).
 */
import type { Pool, PoolConnection } from 'mysql2/promise';

/** Anything that runs a statement: the pool, or a connection holding a transaction. */
export type Sql = Pool | PoolConnection;

/** The statement hit a unique key: the row is there already (an idempotent retry, a concurrent twin). */
export const isDuplicateKey = (error: unknown): boolean => (error as { code?: string } | null)?.code === 'ER_DUP_ENTRY';

/** A DATETIME value (`2026-11-30 18:21:13.123456`, UTC) as a Date; a Date stays itself. */
export function utcDate(value: string | Date): Date {
  if (value instanceof Date) return value;
  const date = new Date(`${value.replace(' ', 'T')}Z`);
  if (Number.isNaN(date.getTime())) throw new Error(`not a DATETIME value: ${JSON.stringify(value)}`);
  return date;
}

/** A DATETIME value as epoch milliseconds. */
export const utcEpochMs = (value: string | Date): number => utcDate(value).getTime();
