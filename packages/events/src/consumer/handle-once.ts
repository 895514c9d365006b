/**
 * One attempt at an event: the dedupe insert and the handler's effect commit in one MySQL
 * transaction. The insert goes first (never check-then-insert): a duplicate key means another
 * delivery already committed this event, and a concurrent delivery of it (during a rebalance) waits
 * on the row lock, then sees the duplicate.
 */
import { isDuplicateKey } from '@flash-sale/service-kit';
import type { Pool, PoolConnection } from 'mysql2/promise';
import type { Envelope } from '../envelope.ts';

export type HandleOutcome = 'handled' | 'duplicate';

/** A failure of the handler itself (as opposed to the runtime's own database work). */
export class HandlerFailure extends Error {
  readonly original: unknown;

  constructor(original: unknown) {
    super(original instanceof Error ? original.message : String(original));
    this.name = 'HandlerFailure';
    this.original = original;
  }
}

export interface DeliveryRef {
  consumer: string;
  topic: string;
  partition: number;
  offset: string;
}

export async function handleOnce(
  pool: Pool,
  delivery: DeliveryRef,
  envelope: Envelope,
  handler: (tx: PoolConnection) => Promise<void>,
): Promise<HandleOutcome> {
  const tx = await pool.getConnection();
  let open = false;
  try {
    await tx.beginTransaction();
    open = true;
    try {
      await tx.query('INSERT INTO consumer_dedupe (consumer, event_id, event_type, topic, kafka_partition, kafka_offset) VALUES (?, ?, ?, ?, ?, ?)', [
        delivery.consumer,
        envelope.id,
        envelope.type,
        delivery.topic,
        delivery.partition,
        delivery.offset,
      ]);
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
      await tx.rollback();
      open = false;
      return 'duplicate';
    }
    try {
      await handler(tx);
    } catch (error) {
      throw new HandlerFailure(error);
    }
    await tx.commit();
    open = false;
    return 'handled';
  } catch (error) {
    if (open) await tx.rollback().catch(() => tx.destroy());
    throw error;
  } finally {
    // A destroyed connection cannot be released; release() on it is a harmless no-op in mysql2.
    tx.release();
  }
}
