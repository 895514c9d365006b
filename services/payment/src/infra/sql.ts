import type { Pool, PoolConnection } from 'mysql2/promise';

/** Anything that runs a statement: the pool, or a connection holding a transaction. */
export type Sql = Pick<Pool | PoolConnection, 'query'>;

export const isDuplicateKey = (error: unknown): boolean => (error as { code?: string }).code === 'ER_DUP_ENTRY';
