import type { Pool, PoolConnection } from 'mysql2/promise';

export type Sql = Pool | PoolConnection;

/** DATETIME(6) strings of the pool (UTC, `dateStrings`) as Dates. */
export const utc = (value: string | Date | null | undefined): Date | null =>
  value === null || value === undefined ? null : value instanceof Date ? value : new Date(`${value.replace(' ', 'T')}Z`);
