import type { Pool, PoolConnection } from 'mysql2/promise';

/** Runs `work` in one transaction on one pooled connection; rolls back and rethrows on error. */
export async function withTransaction<T>(pool: Pool, work: (tx: PoolConnection) => Promise<T>): Promise<T> {
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
