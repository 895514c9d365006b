/**
 * Outbox rows written by a repair go into the *owning* service's outbox, in the same transaction as
 * the repaired state, so that service's relay publishes them like any event of its own.
 */
import { writeOutboxSql, type PendingEvent } from '@flash-sale/events';
import type { PoolConnection } from 'mysql2/promise';

const UNQUALIFIED = 'INSERT INTO outbox ';

export async function writeOutboxIn(tx: PoolConnection, qualifiedOutbox: string, events: readonly PendingEvent[]): Promise<void> {
  if (events.length === 0) return;
  const sql = writeOutboxSql(events);
  // The platform writer targets the connection's default schema; the reconciler's is its own.
  if (!sql.startsWith(UNQUALIFIED)) throw new Error('outbox SQL changed shape; update writeOutboxIn');
  await tx.query(`INSERT INTO ${qualifiedOutbox} ${sql.slice(UNQUALIFIED.length)}`);
}
