/**
 * Idempotency-Key handling after the IETF draft: keys are scoped per tenant and user; a key is
 * claimed while its request runs (a second request meanwhile gets 409), bound to a hash of the
 * body (another body gets 422), and its final response kept 24 h for replays. Redis answers the
 * hot path; committed orders also keep their response in MySQL (`idempotency_keys`), which is the
 * authority when Redis lost the record.
 */
import { createHash } from 'node:crypto';
import { purgeExpiredRows, type PurgeOptions } from '@flash-sale/events';
import { saleIdempotencyKey } from '@flash-sale/stock-reservations';
import { LuaScript, type RedisClient } from '@flash-sale/service-kit';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { IdempotencyPeekCode } from './idempotency-result-codes.ts';

export const IDEMPOTENCY_RETENTION_MS = 24 * 3600 * 1000;
/** A claim's lifetime while its request runs: a crashed request frees the key after it. */
export const IN_FLIGHT_TTL_MS = 30_000;

const peekScript = new LuaScript(new URL('./lua/idempotency-peek-1.lua', import.meta.url));
const completeScript = new LuaScript(new URL('./lua/idempotency-complete-1.lua', import.meta.url));

export type ClaimOutcome = { kind: 'claimed' } | { kind: 'mismatch' } | { kind: 'in_flight' } | { kind: 'completed'; status: number; body: string };

export interface IdempotencyScope {
  tenantId: string;
  userId: string;
  key: string;
  /**
   * The sale the request is for: the Redis record lives under the sale's hash tag, so the
   * reservation script claims it in the same step. A key reused for another sale is therefore
   * not seen in Redis; MySQL's unique key on (tenant, user, key) refuses the second order.
   */
  saleId: string;
}

export const requestHash = (body: unknown) => createHash('sha256').update(JSON.stringify(body)).digest('hex');

export class IdempotencyStore {
  readonly #redis: RedisClient;
  readonly #pool: Pool;
  readonly #prefix: string;
  readonly #now: () => Date;

  constructor(redis: RedisClient, pool: Pool, options: { keyPrefix?: string; now?: () => Date } = {}) {
    peekScript.defineOn(redis);
    completeScript.defineOn(redis);
    this.#redis = redis;
    this.#pool = pool;
    this.#prefix = options.keyPrefix ?? '';
    this.#now = options.now ?? (() => new Date());
  }

  /** The Redis record of a key; `StockReservations.reserve` claims it together with the units. */
  recordKey(scope: IdempotencyScope): string {
    const digest = createHash('sha256').update(scope.key).digest('hex').slice(0, 32);
    return saleIdempotencyKey(this.#prefix, scope.saleId, `${scope.tenantId}:${scope.userId}:${digest}`);
  }

  /**
   * How an earlier request with the key stands, leaving a free key free (`claimed` then means
   * "nothing recorded"); the claim itself is made by the reservation script.
   */
  async peek(scope: IdempotencyScope, hash: string): Promise<ClaimOutcome> {
    const [code, status, body] = (await peekScript.run(this.#redis, [this.recordKey(scope)], [hash])) as [number, string?, string?];
    switch (code) {
      case IdempotencyPeekCode.Free:
        return { kind: 'claimed' };
      case IdempotencyPeekCode.OtherBody:
        return { kind: 'mismatch' };
      case IdempotencyPeekCode.InFlight:
        return { kind: 'in_flight' };
      case IdempotencyPeekCode.Completed:
      default:
        return { kind: 'completed', status: Number(status), body: body ?? '' };
    }
  }

  /** Keeps the final response for replays; a record that belongs to another body or vanished (`IdempotencyCompleteCode.NotOurs`) is left as it is. */
  async complete(scope: IdempotencyScope, hash: string, status: number, body: string): Promise<void> {
    await completeScript.run(this.#redis, [this.recordKey(scope)], [hash, status, body, IDEMPOTENCY_RETENTION_MS]);
  }

  /** Frees a claim whose request had no effect, so a retry may try again. */
  async abandon(scope: IdempotencyScope): Promise<void> {
    await this.#redis.del(this.recordKey(scope));
  }

  /**
   * The committed record, for when Redis lost it and MySQL refused a second order for the key.
   * An expired record is no record: its row is removed, so the client's retry may use the key
   * afresh instead of replaying a response older than the promised 24 hours.
   */
  async committed(scope: IdempotencyScope): Promise<{ requestHash: string; status: number; body: string } | null> {
    const now = this.#now();
    const [rows] = await this.#pool.query<RowDataPacket[]>(
      'SELECT request_hash, response_status, response_body, expires_at > ? AS live FROM idempotency_keys WHERE tenant_id = ? AND user_id = ? AND idem_key = ?',
      [now, scope.tenantId, scope.userId, scope.key],
    );
    const row = rows[0];
    if (!row) return null;
    if (Number(row.live) !== 1) {
      await this.#pool.query('DELETE FROM idempotency_keys WHERE tenant_id = ? AND user_id = ? AND idem_key = ? AND expires_at <= ?', [
        scope.tenantId,
        scope.userId,
        scope.key,
        now,
      ]);
      return null;
    }
    return { requestHash: String(row.request_hash), status: Number(row.response_status), body: String(row.response_body) };
  }

  /** Deletes expired records in bounded batches; run periodically (main.ts). */
  async purgeExpired(options: PurgeOptions = {}): Promise<number> {
    return purgeExpiredRows(
      this.#pool,
      { table: 'idempotency_keys', keyColumns: ['tenant_id', 'user_id', 'idem_key'], expiryColumn: 'expires_at', before: this.#now() },
      options,
    );
  }
}
