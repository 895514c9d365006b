/**
 * The write fence of a sale in the order database (`sale_write_fences`, order migration 103; see
 * docs/adr/0006-redis-loss-recovery.md). A Redis rebuild bumps it once Redis refuses reservations
 * and before it reads the books; the order batch writer then refuses every order reserved under an
 * older epoch. The bump is an exclusive write on the fence row (or the gap where it will be), so it
 * waits for the batches that took their shared lock on it before: those are committed, and in the
 * books, by the time the rebuild reads them.
 */
import type { Pool, RowDataPacket } from 'mysql2/promise';

/** How long the bump waits for batches in flight: they hold their lock for milliseconds. */
const BUMP_LOCK_WAIT_SECONDS = 10;

/** Bumps the sale's fence, committed, and returns the new epoch (1 for a sale never rebuilt). */
export async function bumpSaleWriteFence(order: Pool, saleId: string): Promise<number> {
  const connection = await order.getConnection();
  try {
    await connection.query('SET SESSION innodb_lock_wait_timeout = ?', [BUMP_LOCK_WAIT_SECONDS]);
    await connection.query('START TRANSACTION');
    // Two statements, not INSERT … ON DUPLICATE KEY UPDATE: that one needs UPDATE on every column it
    // inserts, and the reconciler may update the epoch only (grants.sql).
    await connection.query('INSERT IGNORE INTO sale_write_fences (sale_id, epoch) VALUES (?, 0)', [saleId]);
    await connection.query('UPDATE sale_write_fences SET epoch = epoch + 1 WHERE sale_id = ?', [saleId]);
    const [rows] = await connection.query<RowDataPacket[]>('SELECT epoch FROM sale_write_fences WHERE sale_id = ?', [saleId]);
    await connection.query('COMMIT');
    await connection.query('SET SESSION innodb_lock_wait_timeout = DEFAULT');
    connection.release();
    const epoch = Number(rows[0]?.epoch);
    if (!Number.isSafeInteger(epoch) || epoch < 1) throw new Error(`the write fence of sale ${saleId} read back as ${String(rows[0]?.epoch)}`);
    return epoch;
  } catch (error) {
    // A half-finished transaction or a changed session setting must not go back to the pool.
    connection.destroy();
    throw error;
  }
}
