/**
 * `IdempotencyKeyStore`, for side effects that live outside MySQL (an email, a call to a provider)
 * and so cannot share the dedupe row's transaction (docs/eventing.md, "Consumers apply each event
 * once"). Keys derive from the event id. Prefer `claim` over `has` + `put`: it is one atomic
 * `SET NX`, so two deliveries racing cannot both pass.
 */
import type { Cluster, Redis } from 'ioredis';

export interface IdempotencyKeyStore {
  has(key: string): Promise<boolean>;
  put(key: string, ttlSeconds: number): Promise<void>;
}

export class RedisIdempotencyKeyStore implements IdempotencyKeyStore {
  readonly #redis: Redis | Cluster;
  readonly #prefix: string;

  /** `redis` may be one server or a cluster: each call touches one key. */
  constructor(redis: Redis | Cluster, prefix = 'idempotency:') {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async has(key: string): Promise<boolean> {
    return (await this.#redis.exists(this.#prefix + key)) === 1;
  }

  async put(key: string, ttlSeconds: number): Promise<void> {
    await this.#redis.set(this.#prefix + key, '1', 'EX', positiveTtl(ttlSeconds));
  }

  /** Records the key unless present; true when this caller recorded it (and may act). */
  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    return (await this.#redis.set(this.#prefix + key, '1', 'EX', positiveTtl(ttlSeconds), 'NX')) === 'OK';
  }
}

function positiveTtl(ttlSeconds: number): number {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new RangeError(`ttlSeconds must be a positive integer, got ${ttlSeconds}`);
  return ttlSeconds;
}
