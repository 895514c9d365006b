import type { Pool, PoolConnection } from 'mysql2/promise';

/** A pool for single statements, or a transaction's connection when several must commit together. */
export type Sql = Pool | PoolConnection;

export const isDuplicateKey = (error: unknown) => (error as { code?: string } | null)?.code === 'ER_DUP_ENTRY';

/** MySQL DATETIME strings (UTC, `dateStrings`) to epoch ms. */
export const toEpochMs = (datetime: string) => Date.parse(`${datetime.replace(' ', 'T')}Z`);
