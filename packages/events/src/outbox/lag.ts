/** Outbox lag: how many rows wait for the relay, and how long the oldest has waited. */
import type { RowDataPacket } from 'mysql2/promise';
import type { SqlExecutor } from '../outbox-writer.ts';

export interface OutboxLag {
  unpublished: number;
  /** Age of the oldest unpublished row in seconds; 0 when none waits. */
  oldestAgeSeconds: number;
}

export async function outboxLag(executor: SqlExecutor): Promise<OutboxLag> {
  const [rows] = await executor.query<RowDataPacket[]>(
    `SELECT COUNT(*) AS unpublished, TIMESTAMPDIFF(MICROSECOND, MIN(created_at), NOW(6)) AS age_us
       FROM outbox WHERE published_at IS NULL`,
  );
  const row = rows[0];
  const unpublished = Number(row?.unpublished ?? 0);
  const ageMicros = row?.age_us === null || row?.age_us === undefined ? 0 : Number(row.age_us);
  return { unpublished, oldestAgeSeconds: unpublished === 0 ? 0 : Math.max(0, ageMicros / 1e6) };
}
