/**
 * Waits until a replica has a write this process made, so a failover cannot take it back (see
 * docs/adr/0009-redis-failover.md). Redis replication is asynchronous: without this, a master that
 * dies after answering a reservation may hand its slots to a replica that never saw it.
 *
 * WAIT counts the writes of the connection it is sent on, so it must go to the very connection the
 * reservation went to: on a cluster, the client's own connection to the master of the key's slot
 * (WAIT has no key, and a cluster client would send it to any node).
 *
 * WAIT blocks its connection until it returns, and every reservation to that master shares the
 * connection; so the reservations that finish in one turn of the event loop share one WAIT sent
 * after all of them: it covers every write that came before it on the connection.
 */
import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from './redis-client.ts';

export interface ReplicaAckOptions {
  /** Replicas that must have the write (1 with one replica per master). */
  replicas: number;
  /** How long to wait for them before the write counts as unreplicated. */
  timeoutMs: number;
}

// A sale's slot never changes, so one CLUSTER KEYSLOT per sale is enough; the bound only keeps a
// long-lived process from remembering every sale it ever served.
const MAX_REMEMBERED_SLOTS = 10_000;

export class ReplicaAck {
  readonly #redis: RedisClient;
  readonly #options: ReplicaAckOptions;
  readonly #slots = new Map<string, number>();
  /** The WAIT each connection will send next, shared by the callers that arrive before it goes. */
  readonly #nextWait = new Map<Redis, Promise<number>>();

  constructor(redis: RedisClient, options: ReplicaAckOptions) {
    if (!Number.isSafeInteger(options.replicas) || options.replicas < 1) throw new RangeError('replicaAck.replicas must be an integer >= 1');
    if (!Number.isSafeInteger(options.timeoutMs) || options.timeoutMs < 1) throw new RangeError('replicaAck.timeoutMs must be an integer >= 1');
    this.#redis = redis;
    this.#options = options;
  }

  /** True when enough replicas acknowledged every write made so far on the connection serving `key`. */
  async acknowledged(key: string): Promise<boolean> {
    const { replicas } = this.#options;
    const redis = this.#redis;
    if (!(redis instanceof Cluster)) return (await this.#sharedWait(redis)) >= replicas;
    const slot = await this.#slotOf(redis, key);
    const master = redis.slots[slot]?.[0];
    const node = master === undefined ? undefined : redis.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === master);
    // The slot is moving (a failover under way): nothing proves the write reached a replica.
    if (!node) return false;
    return (await this.#sharedWait(node)) >= replicas;
  }

  #sharedWait(connection: Redis): Promise<number> {
    const pending = this.#nextWait.get(connection);
    if (pending) return pending;
    const { replicas, timeoutMs } = this.#options;
    const next = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
      // From here on, a caller's write may come after this WAIT: it gets the next one.
      this.#nextWait.delete(connection);
      return connection.wait(replicas, timeoutMs);
    });
    this.#nextWait.set(connection, next);
    return next;
  }

  async #slotOf(redis: Cluster, key: string): Promise<number> {
    const known = this.#slots.get(key);
    if (known !== undefined) return known;
    const slot = Number(await redis.cluster('KEYSLOT', key));
    if (this.#slots.size >= MAX_REMEMBERED_SLOTS) this.#slots.clear();
    this.#slots.set(key, slot);
    return slot;
  }
}
