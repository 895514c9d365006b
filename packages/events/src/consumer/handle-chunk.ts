/**
 * Several events of one partition in ONE MySQL transaction: one multi-row dedupe insert, each
 * handler (or batch handler) in turn, one commit. A flash sale's `order.created` stream is one sale,
 * so its handlers serialise on the sale's row lock; one commit (and one lock hold) per chunk instead
 * of per event is what lets the books keep up with the order path.
 *
 * A handler that throws undoes only itself (a savepoint before each): what came before it commits,
 * and the caller applies it and what follows one at a time through `handleOnce` (retries,
 * dead-lettering), so no handler that succeeded runs again and the partition's order holds. When
 * the runtime's own work fails (the dedupe insert meeting a concurrent delivery's row, a lost
 * connection, or a handler's deadlock, which ends the transaction) the whole chunk rolls back and
 * the caller applies all of it one at a time.
 */
import type { Pool, PoolConnection } from 'mysql2/promise';
import type { Envelope } from '../envelope.ts';
import { HandlerFailure, type DeliveryRef, type HandleOutcome } from './handle-once.ts';

export interface ChunkEvent {
  delivery: DeliveryRef;
  envelope: Envelope;
}

/**
 * A step of a chunk: one event for its own handler, or a run of consecutive events of one type for
 * a batch handler. Each runs after a savepoint, so its failure undoes only itself.
 */
export interface ChunkUnit {
  events: readonly ChunkEvent[];
  /** A single-event handler's failure is that event's first attempt; a batch's is no one's. */
  single: boolean;
  apply: (tx: PoolConnection) => Promise<void>;
}

/**
 * The chunk committed: `done` lists, in the order given, the events it finished (handled, or skipped
 * as duplicates); when a unit failed, `stopped` names its first event and the events from there on
 * were not applied (their dedupe rows were taken back). Not committed: nothing of it was kept.
 */
export type ChunkOutcome =
  | { committed: true; done: Array<{ event: ChunkEvent; outcome: HandleOutcome }>; stopped?: { event: ChunkEvent; failure: HandlerFailure | undefined } }
  | { committed: false; error: unknown };

export async function handleChunk(
  pool: Pool,
  consumer: string,
  events: readonly ChunkEvent[],
  /** Splits the events not seen before into the units to apply, in order. */
  plan: (fresh: ChunkEvent[]) => ChunkUnit[],
): Promise<ChunkOutcome> {
  const tx = await pool.getConnection();
  let open = false;
  try {
    await tx.beginTransaction();
    open = true;
    const ids = events.map((event) => event.envelope.id);
    const [rows] = await tx.query('SELECT event_id FROM consumer_dedupe WHERE consumer = ? AND event_id IN (?)', [consumer, ids]);
    const seen = new Set((rows as { event_id: string }[]).map((row) => row.event_id));
    const outcomes = new Map<ChunkEvent, HandleOutcome>();
    const fresh: ChunkEvent[] = [];
    for (const event of events) {
      // A second copy of one event inside the chunk is a duplicate of the first.
      if (seen.has(event.envelope.id)) {
        outcomes.set(event, 'duplicate');
        continue;
      }
      seen.add(event.envelope.id);
      outcomes.set(event, 'handled');
      fresh.push(event);
    }
    let stopped: { event: ChunkEvent; failure: HandlerFailure | undefined } | undefined;
    if (fresh.length > 0) {
      // A concurrent delivery (a rebalance) that inserted one of these rows since the SELECT makes
      // this insert wait for it and then fail as a duplicate: the chunk rolls back, and the one-by-one
      // path reports that event as the duplicate it is.
      await tx.query('INSERT INTO consumer_dedupe (consumer, event_id, event_type, topic, kafka_partition, kafka_offset) VALUES ?', [
        fresh.map(({ delivery, envelope }) => [consumer, envelope.id, envelope.type, delivery.topic, delivery.partition, delivery.offset]),
      ]);
      const units = plan(fresh);
      for (const [index, unit] of units.entries()) {
        await tx.query('SAVEPOINT chunk_unit');
        try {
          await unit.apply(tx);
        } catch (error) {
          // Only this unit is undone: the ones before it keep their effects and commit, and no
          // handler that succeeded runs twice. The rest of the chunk is not applied at all.
          // Unless the failure ended the transaction itself (a deadlock: InnoDB rolls all of it
          // back, savepoints included): then none of the chunk was applied, for this unit's reason.
          const undone = await tx.query('ROLLBACK TO SAVEPOINT chunk_unit').then(
            () => true,
            () => false,
          );
          if (!undone) throw error;
          const notApplied = units.slice(index).flatMap((rest) => rest.events.map((event) => event.envelope.id));
          await tx.query('DELETE FROM consumer_dedupe WHERE consumer = ? AND event_id IN (?)', [consumer, notApplied]);
          stopped = { event: unit.events[0]!, failure: unit.single ? new HandlerFailure(error) : undefined };
          break;
        }
      }
    }
    await tx.commit();
    open = false;
    const cut = stopped ? events.indexOf(stopped.event) : events.length;
    return {
      committed: true,
      done: events.slice(0, cut).map((event) => ({ event, outcome: outcomes.get(event) ?? 'handled' })),
      ...(stopped ? { stopped } : {}),
    };
  } catch (error) {
    if (open) await tx.rollback().catch(() => tx.destroy());
    return { committed: false, error };
  } finally {
    tx.release();
  }
}
