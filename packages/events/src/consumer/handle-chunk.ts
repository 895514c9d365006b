/**
 * Several events of one partition in ONE MySQL transaction: one multi-row dedupe insert, each
 * handler in turn, one commit. A flash sale's `order.created` stream is one sale, so its handlers
 * serialise on the sale's row lock; one commit (and one lock hold) per chunk instead of per event is
 * what lets the books keep up with the order path.
 *
 * All or nothing: when any handler throws, or another delivery of one of these events commits its
 * dedupe row first, the whole chunk rolls back and the caller applies the same events one at a
 * time through `handleOnce` (its retries, dead-lettering and duplicate detection), in order.
 * Nothing a chunk did survives its rollback but side effects outside MySQL, which handlers already
 * make idempotent because a single-event transaction can roll back after them too.
 */
import type { Pool, PoolConnection } from 'mysql2/promise';
import type { Envelope } from '../envelope.ts';
import { HandlerFailure, type DeliveryRef, type HandleOutcome } from './handle-once.ts';

export interface ChunkEvent {
  delivery: DeliveryRef;
  envelope: Envelope;
}

/** Thrown by `apply` when one event's own handler failed: that failure is the event's first attempt. */
export class ChunkEventFailure extends Error {
  readonly event: ChunkEvent;
  override readonly cause: unknown;

  constructor(event: ChunkEvent, cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause));
    this.name = 'ChunkEventFailure';
    this.event = event;
    this.cause = cause;
  }
}

/**
 * Per event, in the order given, when the chunk committed; otherwise why it rolled back, and which
 * event's handler threw when that was the reason (its failure counts as that event's first attempt).
 */
export type ChunkOutcome =
  | { committed: true; outcomes: HandleOutcome[] }
  | { committed: false; error: unknown; failed?: { event: ChunkEvent; failure: HandlerFailure } };

export async function handleChunk(
  pool: Pool,
  consumer: string,
  events: readonly ChunkEvent[],
  /** Applies the events not seen before, in order, in `tx`. */
  apply: (fresh: ChunkEvent[], tx: PoolConnection) => Promise<void>,
): Promise<ChunkOutcome> {
  const tx = await pool.getConnection();
  let open = false;
  try {
    await tx.beginTransaction();
    open = true;
    const ids = events.map((event) => event.envelope.id);
    const [rows] = await tx.query('SELECT event_id FROM consumer_dedupe WHERE consumer = ? AND event_id IN (?)', [consumer, ids]);
    const seen = new Set((rows as { event_id: string }[]).map((row) => row.event_id));
    const outcomes: HandleOutcome[] = [];
    const fresh: ChunkEvent[] = [];
    for (const event of events) {
      // A second copy of one event inside the chunk is a duplicate of the first.
      if (seen.has(event.envelope.id)) {
        outcomes.push('duplicate');
        continue;
      }
      seen.add(event.envelope.id);
      outcomes.push('handled');
      fresh.push(event);
    }
    if (fresh.length > 0) {
      // A concurrent delivery (a rebalance) that inserted one of these rows since the SELECT makes
      // this insert wait for it and then fail as a duplicate: the chunk rolls back, and the one-by-one
      // path reports that event as the duplicate it is.
      await tx.query(
        'INSERT INTO consumer_dedupe (consumer, event_id, event_type, topic, kafka_partition, kafka_offset) VALUES ?',
        [fresh.map(({ delivery, envelope }) => [consumer, envelope.id, envelope.type, delivery.topic, delivery.partition, delivery.offset])],
      );
      await apply(fresh, tx);
    }
    await tx.commit();
    open = false;
    return { committed: true, outcomes };
  } catch (error) {
    if (open) await tx.rollback().catch(() => tx.destroy());
    if (error instanceof ChunkEventFailure) return { committed: false, error: error.cause, failed: { event: error.event, failure: new HandlerFailure(error.cause) } };
    return { committed: false, error };
  } finally {
    tx.release();
  }
}
