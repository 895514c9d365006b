import type { Pool, PoolConnection } from 'mysql2/promise';

/** Anything that runs a statement: the pool, or a connection holding a transaction. */
export type Sql = Pick<Pool | PoolConnection, 'query'>;

export const isDuplicateKey = (error: unknown): boolean => (error as { code?: string }).code === 'ER_DUP_ENTRY';

/** Runs `work` in one transaction on its own connection; rolls back on any error. */
export async function inTransaction<T>(pool: Pool, work: (tx: PoolConnection) => Promise<T>): Promise<T> {
  const tx = await pool.getConnection();
  try {
    await tx.beginTransaction();
    const result = await work(tx);
    await tx.commit();
    return result;
  } catch (error) {
    await tx.rollback().catch(() => undefined);
    throw error;
  } finally {
    tx.release();
  }
}
