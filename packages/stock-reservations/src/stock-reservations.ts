/**
 * Redis stock reservations for flash sales. Lua is the only judge of a sale: every decision
 * (window, per-user limit, stock) and its writes happen in one script, atomically, and each
 * operation is idempotent on the order id. MySQL holds the books; Redis is fast and rebuildable.
 */
import { randomUUID } from 'node:crypto';
import { StockReservationError } from './errors.ts';
import { rebuildKeys, saleKeyBase, saleKeys, stockReturnedChannel, type SaleKeys } from './keys.ts';
import { defineScriptsOn, scripts } from './scripts.ts';
import type { RedisClient } from './redis-client.ts';
import { ReplicaAck, type ReplicaAckOptions } from './replica-ack.ts';
import { ArmCode, CloseCode, CommitCode, RebuildBeginCode, RebuildCode, ReleaseCode, ReserveCode, SoldOutBuyersCode } from './result-codes.ts';
import type { SoldOutBuyers, SoldOutHint } from './sold-out-hint.ts';

export type ReserveRefusal = 'SALE_NOT_FOUND' | 'SALE_NOT_OPEN' | 'SALE_ENDED' | 'SALE_SOLD_OUT' | 'PER_USER_LIMIT' | 'INSUFFICIENT_STOCK';

/** How an earlier request with the same Idempotency-Key stands (then nothing was reserved). */
export type IdempotencyKeySeen = { kind: 'mismatch' } | { kind: 'in_flight' } | { kind: 'completed'; status: number; body: string };

/** The Idempotency-Key record `reserve` claims with the units (`saleIdempotencyKey`). */
export interface ReserveIdempotency {
  key: string;
  requestHash: string;
  inFlightTtlMs: number;
}

export type ReserveResult =
  | {
      ok: true;
      replayed: boolean;
      holdExpiresAtMs: number;
      remaining: number;
      unitPriceMinor: number;
      currency: string;
      skuId: string;
      tenantId: string;
      /**
       * The sale's write epoch the units were taken under; absent, as in the meta, for 0 (a sale
       * never rebuilt). The order's MySQL write must find the same epoch in the sale's write
       * fence, or the sale was rebuilt from books that could not hold the order
       * (docs/adr/0006-redis-loss-recovery.md).
       */
      writeEpoch?: number;
    }
  | { ok: false; code: ReserveRefusal; remaining: number }
  | { ok: false; code: 'IDEMPOTENCY_KEY_SEEN'; seen: IdempotencyKeySeen };

export interface SaleDefinition {
  saleId: string;
  tenantId: string;
  skuId: string;
  stock: number;
  unitPriceMinor: number;
  currency: string;
  startsAtMs: number;
  endsAtMs: number;
  perUserLimit: number;
  holdTtlMs: number;
}

export interface StockView {
  armedStock: number;
  available: number;
  held: number;
  sold: number;
}

/** An order that still holds (H) or has bought (C) units, as the books know it. */
export interface RebuildOrder {
  orderId: string;
  userId: string;
  quantity: number;
  state: 'held' | 'committed';
  holdExpiresAtMs: number;
}

export interface RebuildOptions {
  /** Orders per Redis call (default 1,000). */
  chunkSize?: number;
  /** Keep holds the live keys have for orders not in the books, unexpired at this time (epoch ms). */
  carryLiveHoldsAtMs?: number;
  /** Lifetime of the rebuild lock, extended by every chunk (default 30 s). */
  lockTtlMs?: number;
  /**
   * Reads the sale's definition again once the lock is held, for the finish to write: a change
   * made before the fence (a sale ended meanwhile) is then not overwritten with the older one.
   */
  rereadSale?: () => Promise<SaleDefinition & { armedAtMs: number }>;
  /**
   * Bumps the sale's write fence in the books' database and returns its new epoch. Called once
   * Redis refuses reservations and before the books are read: every order written before the bump
   * is in the books, every write after it that was reserved under the old epoch is refused. The
   * rebuilt meta (or the set-aside one, put back on a failure) carries the epoch, so orders reserved
   * from then on pass the fence. Without it, the sale keeps the epoch it had.
   */
  fenceWrites?: () => Promise<number>;
}

/** The rebuilt counters, the orders staged from the books and the in-flight holds carried over. */
export type RebuildOutcome = StockView & { orders: number; carriedHolds: number };

/** One order as the sale's `orders` hash records it (see `orderRecords`). */
export interface OrderRecord {
  orderId: string;
  state: 'H' | 'C' | 'R' | 'unreadable';
  userId: string;
  quantity: number;
  holdExpiresAtMs: number;
}

function orderRecord(orderId: string, raw: string): OrderRecord {
  try {
    const order = JSON.parse(raw) as { s?: unknown; q?: unknown; e?: unknown; u?: unknown };
    const state = order.s === 'H' || order.s === 'C' || order.s === 'R' ? order.s : 'unreadable';
    return { orderId, state, userId: typeof order.u === 'string' ? order.u : '', quantity: Number(order.q), holdExpiresAtMs: Number(order.e) };
  } catch {
    return { orderId, state: 'unreadable', userId: '', quantity: 0, holdExpiresAtMs: 0 };
  }
}

export interface StockReservationsOptions {
  /** Prepended to every key and to the pub/sub channel; tests use it for isolation. */
  keyPrefix?: string;
  /**
   * Optional in-process sold-out hint: `reserve` refuses without a Redis call while it says a sale
   * is sold out. It answers repeats of an accepted order with SALE_SOLD_OUT too, so only give it
   * to callers that never re-reserve an order id (the order service replays from its idempotency
   * store before reserving).
   */
  soldOutHint?: SoldOutHint;
  /** Clock for arm's `armed_at_ms`; injected so tests control time. */
  nowMs?: () => number;
  /**
   * With replicas behind each master: a reservation counts only once this many replicas have it
   * (WAIT on the sale's master). Not acknowledged in time, a new hold is released again and
   * `reserve` throws REPLICA_ACK_TIMEOUT, so no caller answers for a hold a failover could lose.
   * Leave it unset where Redis has no replica: then `reserve` makes no extra call.
   */
  replicaAck?: ReplicaAckOptions;
}

const refusals: Partial<Record<number, ReserveRefusal>> = {
  [ReserveCode.SaleNotFound]: 'SALE_NOT_FOUND',
  [ReserveCode.SaleNotOpen]: 'SALE_NOT_OPEN',
  [ReserveCode.SaleEnded]: 'SALE_ENDED',
  [ReserveCode.SoldOut]: 'SALE_SOLD_OUT',
  [ReserveCode.PerUserLimit]: 'PER_USER_LIMIT',
  [ReserveCode.InsufficientStock]: 'INSUFFICIENT_STOCK',
};

function tuple(reply: unknown, length: number, script: string): unknown[] {
  if (!Array.isArray(reply) || reply.length !== length) {
    throw new StockReservationError('UNEXPECTED_REPLY', `${script} returned an unexpected reply`, { reply });
  }
  return reply as unknown[];
}

/** The reserve script's answers about an Idempotency-Key seen before; undefined for any other reply. */
function idempotencySeen(reply: unknown): IdempotencyKeySeen | undefined {
  if (!Array.isArray(reply)) return undefined;
  const code = int(reply[0]);
  if (code === ReserveCode.IdempotencyKeyMismatch) return { kind: 'mismatch' };
  if (code === ReserveCode.IdempotencyKeyInFlight) return { kind: 'in_flight' };
  if (code === ReserveCode.IdempotencyKeyCompleted) return { kind: 'completed', status: int(reply[1]), body: str(reply[2]) };
  return undefined;
}

const int = (value: unknown): number => (typeof value === 'number' ? value : Number(value));
const str = (value: unknown): string => (typeof value === 'string' ? value : String(value));

function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new StockReservationError('INVALID_ARGUMENT', `${name} must be an integer >= ${min}`, { [name]: value });
  }
}

export class StockReservations {
  readonly #redis: RedisClient;
  readonly #prefix: string;
  readonly #channel: string;
  readonly #hint: SoldOutHint | undefined;
  readonly #nowMs: () => number;
  readonly #replicaAck: ReplicaAck | undefined;

  constructor(redis: RedisClient, options: StockReservationsOptions = {}) {
    defineScriptsOn(redis);
    this.#redis = redis;
    this.#prefix = options.keyPrefix ?? '';
    this.#channel = stockReturnedChannel(this.#prefix);
    this.#hint = options.soldOutHint;
    this.#nowMs = options.nowMs ?? Date.now;
    this.#replicaAck = options.replicaAck ? new ReplicaAck(redis, options.replicaAck) : undefined;
  }

  /** The channel release and rebuild publish on; a `SoldOutHint` listens to it. */
  get stockReturnedChannel(): string {
    return this.#channel;
  }

  keys(saleId: string): SaleKeys {
    return saleKeys(this.#prefix, saleId);
  }

  /** Loads a sale's stock and rules once; `armed: false` means it was armed before and nothing changed. */
  async arm(sale: SaleDefinition): Promise<{ armed: boolean }> {
    requireInteger('stock', sale.stock, 0);
    requireInteger('unitPriceMinor', sale.unitPriceMinor, 0);
    requireInteger('perUserLimit', sale.perUserLimit, 1);
    requireInteger('holdTtlMs', sale.holdTtlMs, 1);
    const k = this.keys(sale.saleId);
    const code = int(await scripts.arm.run(this.#redis, [k.meta, k.stock], saleArgs(sale, this.#nowMs())));
    if (code === ArmCode.InvalidArgument) throw new StockReservationError('INVALID_ARGUMENT', 'arm refused the sale definition', { saleId: sale.saleId });
    if (code === ArmCode.Armed) this.#hint?.clear(sale.saleId);
    return { armed: code === ArmCode.Armed };
  }

  /**
   * Takes units for an order. With `idempotency`, the key's record is claimed in the same step
   * (only when units are taken), or an earlier request with the key answers instead.
   */
  async reserve(input: {
    saleId: string;
    tenantId: string;
    orderId: string;
    userId: string;
    quantity: number;
    nowMs: number;
    idempotency?: ReserveIdempotency;
  }): Promise<ReserveResult> {
    requireInteger('quantity', input.quantity, 1);
    if (this.#hint?.isSoldOut(input.saleId)) return { ok: false, code: 'SALE_SOLD_OUT', remaining: 0 };
    const k = this.keys(input.saleId);
    const idempotency = input.idempotency;
    if (idempotency && !idempotency.key.startsWith(`${saleKeyBase(this.#prefix, input.saleId)}:`)) {
      throw new StockReservationError('INVALID_ARGUMENT', 'the idempotency record must live under the sale (saleIdempotencyKey)', { saleId: input.saleId });
    }
    const raw = await scripts.reserve.run(
      this.#redis,
      [k.meta, k.stock, k.orders, k.users, k.expiry, k.buyers, idempotency?.key ?? k.meta],
      [input.orderId, input.userId, input.quantity, input.nowMs, input.tenantId, idempotency?.requestHash ?? '', idempotency?.inFlightTtlMs ?? 0],
    );
    const seen = idempotencySeen(raw);
    if (seen) return { ok: false, code: 'IDEMPOTENCY_KEY_SEEN', seen };
    const code = int(Array.isArray(raw) ? raw[0] : raw);
    const accepted = code === ReserveCode.Reserved || code === ReserveCode.Replayed;
    const reply = tuple(raw, accepted ? 8 : 7, 'reserve');
    const remaining = int(reply[1]);
    if (accepted) {
      if (this.#replicaAck) await this.#requireReplicated(input.saleId, input.orderId, code === ReserveCode.Reserved);
      if (remaining <= 0) this.#hint?.markSoldOut(input.saleId);
      return {
        ok: true,
        replayed: code === ReserveCode.Replayed,
        holdExpiresAtMs: int(reply[2]),
        remaining,
        unitPriceMinor: int(reply[3]),
        currency: str(reply[4]),
        skuId: str(reply[5]),
        tenantId: str(reply[6]),
        ...(int(reply[7]) > 0 ? { writeEpoch: int(reply[7]) } : {}),
      };
    }
    if (code === ReserveCode.OrderReleased) {
      throw new StockReservationError('ORDER_RELEASED', 'order id was already reserved and released; use a new order id', { orderId: input.orderId });
    }
    if (code === ReserveCode.InvalidArgument) throw new StockReservationError('INVALID_ARGUMENT', 'reserve refused its arguments', { orderId: input.orderId });
    const refusal = refusals[code];
    if (!refusal) throw new StockReservationError('UNEXPECTED_REPLY', `reserve returned code ${code}`);
    if (refusal === 'SALE_SOLD_OUT') this.#hint?.markSoldOut(input.saleId);
    return { ok: false, code: refusal, remaining };
  }

  /**
   * Throws REPLICA_ACK_TIMEOUT unless a replica has the reservation. A hold this call made is given
   * back first (best effort: with the master gone, the hold is gone with it); a replayed one belongs
   * to the earlier call and stays.
   */
  async #requireReplicated(saleId: string, orderId: string, heldNow: boolean): Promise<void> {
    let acknowledged = false;
    try {
      acknowledged = (await this.#replicaAck?.acknowledged(this.keys(saleId).meta)) ?? true;
    } catch {
      acknowledged = false;
    }
    if (acknowledged) return;
    const released = heldNow
      ? await this.release({ saleId, orderId, reason: 'replica-ack-timeout' }).then(
          (r) => r.released,
          () => false,
        )
      : false;
    throw new StockReservationError('REPLICA_ACK_TIMEOUT', 'no replica acknowledged the reservation in time', { saleId, orderId, released });
  }

  /**
   * Who may still have an order in a sale that is sold out right now (see `sold-out-buyers-4.lua`):
   * `unchanged` when `knownVersion` is current, `too-many` above `maxBuyers`, `not-sold-out` when
   * units are available or the sale is not armed here.
   */
  async soldOutBuyers(saleId: string, knownVersion: string, maxBuyers: number): Promise<SoldOutBuyers> {
    const k = this.keys(saleId);
    const reply = await scripts.soldOutBuyers.run(this.#redis, [k.meta, k.stock, k.users, k.buyers], [knownVersion, maxBuyers]);
    if (!Array.isArray(reply) || reply.length < 3)
      throw new StockReservationError('UNEXPECTED_REPLY', 'sold-out-buyers returned an unexpected reply', { reply });
    const code = int(reply[0]);
    const tenantId = str(reply[1]);
    const version = str(reply[2]);
    if (code === SoldOutBuyersCode.NotSoldOut) return { kind: 'not-sold-out' };
    if (code === SoldOutBuyersCode.Unchanged) return { kind: 'unchanged', tenantId, version };
    if (code === SoldOutBuyersCode.TooMany) return { kind: 'too-many', tenantId, version };
    if (code !== SoldOutBuyersCode.Listed) throw new StockReservationError('UNEXPECTED_REPLY', `sold-out-buyers returned code ${code}`);
    return { kind: 'listed', tenantId, version, userIds: (reply as unknown[]).slice(3).map(str) };
  }

  /**
   * Gives an order's units (and the buyer's allowance) back. `released: false` when it was released
   * before or is unknown here. A committed order is refused with ORDER_COMMITTED unless `restock`
   * says its stock really comes back (cancellation, expiry, refund with restock).
   */
  async release(input: { saleId: string; orderId: string; reason: string; restock?: boolean }): Promise<{ released: boolean; quantity: number }> {
    const k = this.keys(input.saleId);
    const reply = tuple(
      await scripts.release.run(
        this.#redis,
        [k.stock, k.orders, k.users, k.expiry],
        [input.orderId, input.restock ? '1' : '0', input.reason, this.#channel, input.saleId],
      ),
      2,
      'release',
    );
    const code = int(reply[0]);
    const quantity = int(reply[1]);
    if (code === ReleaseCode.ReleasedHold || code === ReleaseCode.ReleasedCommitted) {
      this.#hint?.clear(input.saleId);
      return { released: true, quantity };
    }
    if (code === ReleaseCode.AlreadyReleased) return { released: false, quantity };
    if (code === ReleaseCode.UnknownOrder) return { released: false, quantity: 0 };
    if (code === ReleaseCode.CommittedNotReleasable) {
      throw new StockReservationError('ORDER_COMMITTED', 'order is committed; release it only with restock', { orderId: input.orderId, quantity });
    }
    throw new StockReservationError('UNEXPECTED_REPLY', `release returned code ${code}`);
  }

  /**
   * Moves an order's hold to sold. `committed: false` when it was committed before. An unknown or
   * released order raises ORDER_NOT_FOUND / ORDER_RELEASED: there is nothing to commit.
   */
  async commit(input: { saleId: string; orderId: string }): Promise<{ committed: boolean }> {
    const k = this.keys(input.saleId);
    const reply = tuple(await scripts.commit.run(this.#redis, [k.stock, k.orders, k.expiry], [input.orderId]), 2, 'commit');
    const code = int(reply[0]);
    if (code === CommitCode.Committed) return { committed: true };
    if (code === CommitCode.AlreadyCommitted) return { committed: false };
    if (code === CommitCode.UnknownOrder) throw new StockReservationError('ORDER_NOT_FOUND', 'no hold for this order', { orderId: input.orderId });
    if (code === CommitCode.OrderReleased) throw new StockReservationError('ORDER_RELEASED', 'order was released', { orderId: input.orderId });
    throw new StockReservationError('UNEXPECTED_REPLY', `commit returned code ${code}`);
  }

  /** The sale's counters in one snapshot; null when the sale is not armed (or Redis lost it). */
  async view(saleId: string): Promise<StockView | null> {
    const k = this.keys(saleId);
    const reply = tuple(await scripts.view.run(this.#redis, [k.meta, k.stock], []), 5, 'view');
    if (int(reply[0]) !== 1) return null;
    return { armedStock: int(reply[1]), available: int(reply[2]), held: int(reply[3]), sold: int(reply[4]) };
  }

  /**
   * Closes a sale's window at `nowMs` (ending it early, or settling one whose window is over) and
   * returns its counters from the same atomic step: after this, no reservation is accepted, and
   * `held` is every unit an open hold may still take. `null` when the sale is not armed.
   * REBUILD_IN_PROGRESS while a rebuild has the sale's meta set aside: ask again after it.
   */
  async close(saleId: string, nowMs: number): Promise<(StockView & { closedNow: boolean }) | null> {
    requireInteger('nowMs', nowMs, 0);
    const k = this.keys(saleId);
    const reply = tuple(await scripts.close.run(this.#redis, [k.meta, k.stock, rebuildKeys(this.#prefix, saleId).lock], [nowMs]), 4, 'close');
    const code = int(reply[0]);
    if (code === CloseCode.NotArmed) return null;
    if (code === CloseCode.Rebuilding)
      throw new StockReservationError('REBUILD_IN_PROGRESS', 'the sale is being rebuilt; close it once the rebuild finished', { saleId });
    if (code !== CloseCode.Closed && code !== CloseCode.AlreadyClosed) throw new StockReservationError('UNEXPECTED_REPLY', `close returned code ${code}`);
    const [available, held, sold] = [int(reply[1]), int(reply[2]), int(reply[3])];
    return { armedStock: available + held + sold, available, held, sold, closedNow: code === CloseCode.Closed };
  }

  /**
   * Of `saleIds`, those whose keys are gone (no meta) with no rebuild running: Redis lost them.
   * One EXISTS of both keys per sale (one slot: the sale's hash tag), a chunk at a time, so it is
   * cheap enough to run every few seconds. Not an explicit pipeline: the sales lie in many cluster
   * slots, which a cluster pipeline refuses; auto-pipelining still batches a chunk per node.
   */
  async lostSales(saleIds: readonly string[], chunkSize = 500): Promise<string[]> {
    const lost: string[] = [];
    for (let start = 0; start < saleIds.length; start += chunkSize) {
      const chunk = saleIds.slice(start, start + chunkSize);
      const present = await Promise.all(chunk.map((saleId) => this.#redis.exists(this.keys(saleId).meta, rebuildKeys(this.#prefix, saleId).lock)));
      chunk.forEach((saleId, i) => {
        if (present[i] === 0) lost.push(saleId);
      });
    }
    return lost;
  }

  /** Held orders whose hold expired at or before `nowMs`, oldest first (for expiry and orphan repair). */
  async expiredHolds(saleId: string, nowMs: number, limit = 500): Promise<string[]> {
    return this.#redis.zrangebyscore(this.keys(saleId).expiry, '-inf', nowMs, 'LIMIT', 0, limit);
  }

  /**
   * Replaces a sale's keys with authoritative numbers (MySQL) after Redis lost or drifted them:
   * its definition, armed stock, and every order that still holds or has bought units, streamed
   * from `orders` in chunks so memory and each Redis call stay small however large the sale is.
   *
   * Fenced and single-flight: the begin takes the sale's rebuild lock and sets its meta aside, so
   * `reserve` refuses with SALE_NOT_FOUND until the finish switches the staged keys in at once; a
   * reservation is either refused or lands on the rebuilt sale, never in between. A second rebuild
   * of the same sale meanwhile raises REBUILD_IN_PROGRESS. With `carryLiveHoldsAtMs`, holds the
   * live keys still have for orders the books did not list (their MySQL write is in flight), and
   * that have not expired by then, are kept; after a total loss there are none.
   */
  async rebuild(
    sale: SaleDefinition & { armedAtMs: number },
    orders: Iterable<RebuildOrder> | AsyncIterable<RebuildOrder>,
    options: RebuildOptions = {},
  ): Promise<RebuildOutcome> {
    const chunkSize = options.chunkSize ?? 1000;
    const lockTtlMs = options.lockTtlMs ?? 30_000;
    requireInteger('chunkSize', chunkSize, 1);
    const k = this.keys(sale.saleId);
    const rb = rebuildKeys(this.#prefix, sale.saleId);
    const token = randomUUID();
    const lockKeys = [rb.lock, k.meta, rb.priorMeta, rb.orders, rb.users, rb.expiry, rb.counts];
    const begun = int(await scripts.rebuildBegin.run(this.#redis, lockKeys, [token, lockTtlMs]));
    if (begun === RebuildBeginCode.Busy)
      throw new StockReservationError('REBUILD_IN_PROGRESS', 'another rebuild of this sale is running', { saleId: sale.saleId });
    if (begun !== RebuildBeginCode.Begun) throw new StockReservationError('UNEXPECTED_REPLY', `rebuild-begin returned code ${begun}`);

    let staged = 0;
    let carried = 0;
    const stage = async (batch: RebuildOrder[], mode: 'books' | 'carry'): Promise<number> => {
      const args: (string | number)[] = [token, lockTtlMs, mode];
      for (const order of batch) args.push(order.orderId, order.userId, order.quantity, order.state === 'held' ? 'H' : 'C', order.holdExpiresAtMs);
      const reply = tuple(await scripts.rebuildStage.run(this.#redis, [rb.lock, rb.orders, rb.users, rb.expiry, rb.counts], args), 2, 'rebuild-stage');
      const code = int(reply[0]);
      if (code === RebuildCode.LockLost)
        throw new StockReservationError('REBUILD_LOCK_LOST', 'the rebuild lock expired and was taken over', { saleId: sale.saleId });
      if (code === RebuildCode.InvalidArgument)
        throw new StockReservationError('INVALID_ARGUMENT', 'rebuild refused an order (invalid or listed twice)', { saleId: sale.saleId });
      if (code !== RebuildCode.Rebuilt) throw new StockReservationError('UNEXPECTED_REPLY', `rebuild-stage returned code ${code}`);
      return int(reply[1]);
    };

    let reply: unknown[];
    let definition = sale;
    // '' until the fence is bumped: an abort before that leaves the sale's epoch as it was.
    let writeEpoch = '';
    try {
      if (options.fenceWrites) {
        const epoch = await options.fenceWrites();
        requireInteger('writeEpoch', epoch, 1);
        writeEpoch = String(epoch);
      }
      if (options.rereadSale) {
        definition = await options.rereadSale();
        if (definition.saleId !== sale.saleId) throw new StockReservationError('INVALID_ARGUMENT', 'rereadSale returned another sale', { saleId: sale.saleId });
      }
      let batch: RebuildOrder[] = [];
      for await (const order of orders) {
        batch.push(order);
        if (batch.length >= chunkSize) {
          staged += await stage(batch, 'books');
          batch = [];
        }
      }
      if (batch.length > 0) staged += await stage(batch, 'books');
      if (options.carryLiveHoldsAtMs !== undefined) {
        for await (const holds of this.#liveHolds(sale.saleId, options.carryLiveHoldsAtMs, chunkSize)) carried += await stage(holds, 'carry');
      }
      reply = tuple(
        await scripts.rebuildFinish.run(
          this.#redis,
          [rb.lock, k.meta, k.stock, k.orders, k.users, k.expiry, rb.orders, rb.users, rb.expiry, rb.counts, rb.priorMeta],
          [token, ...saleArgs(definition, definition.armedAtMs), this.#channel, sale.saleId, writeEpoch],
        ),
        4,
        'rebuild-finish',
      );
    } catch (error) {
      await scripts.rebuildAbort.run(this.#redis, lockKeys, [token, writeEpoch]).catch(() => undefined);
      throw error;
    }
    const code = int(reply[0]);
    if (code === RebuildCode.InvalidArgument) {
      await scripts.rebuildAbort.run(this.#redis, lockKeys, [token, writeEpoch]);
      throw new StockReservationError('INVALID_ARGUMENT', 'rebuild refused the sale definition', { saleId: sale.saleId });
    }
    if (code === RebuildCode.Oversubscribed) {
      throw new StockReservationError('OVERSUBSCRIBED', 'held + sold exceed the armed stock', {
        saleId: sale.saleId,
        held: int(reply[2]),
        sold: int(reply[3]),
      });
    }
    if (code === RebuildCode.LockLost)
      throw new StockReservationError('REBUILD_LOCK_LOST', 'the rebuild lock expired and was taken over', { saleId: sale.saleId });
    if (code !== RebuildCode.Rebuilt) throw new StockReservationError('UNEXPECTED_REPLY', `rebuild-finish returned code ${code}`);
    this.#hint?.clear(sale.saleId);
    return { armedStock: definition.stock, available: int(reply[1]), held: int(reply[2]), sold: int(reply[3]), orders: staged, carriedHolds: carried };
  }

  /**
   * The sale's order records as Redis has them, read with HSCAN a page at a time (never HGETALL):
   * for repairs that compare them with the books. `state` is H held, C committed, R released, or
   * `unreadable` for a record that does not parse.
   */
  async *orderRecords(saleId: string, pageSize = 1000): AsyncGenerator<OrderRecord[]> {
    const key = this.keys(saleId).orders;
    let cursor = '0';
    do {
      const [next, flat] = await this.#redis.hscan(key, cursor, 'COUNT', pageSize);
      cursor = next;
      const page: OrderRecord[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) page.push(orderRecord(flat[i] as string, flat[i + 1] as string));
      if (page.length > 0) yield page;
    } while (cursor !== '0');
  }

  /**
   * The record of each of `orders` in its sale's `orders` hash (null where there is none), in the
   * order asked. One HGET per order rather than an explicit pipeline, so the orders may belong to
   * sales in many cluster slots; auto-pipelining still batches them per node.
   */
  async findOrderRecords(orders: readonly { saleId: string; orderId: string }[]): Promise<(OrderRecord | null)[]> {
    const raws = await Promise.all(orders.map(({ saleId, orderId }) => this.#redis.hget(this.keys(saleId).orders, orderId)));
    return raws.map((raw, i) => (raw === null ? null : orderRecord(orders[i]?.orderId ?? '', raw)));
  }

  /** Unexpired holds in the live orders hash, a page at a time. */
  async *#liveHolds(saleId: string, nowMs: number, pageSize: number): AsyncGenerator<RebuildOrder[]> {
    for await (const page of this.orderRecords(saleId, pageSize)) {
      const holds: RebuildOrder[] = [];
      for (const { orderId, state, userId, quantity, holdExpiresAtMs } of page) {
        if (state === 'H' && holdExpiresAtMs > nowMs && userId) holds.push({ orderId, userId, quantity, state: 'held', holdExpiresAtMs });
      }
      if (holds.length > 0) yield holds;
    }
  }
}

function saleArgs(sale: SaleDefinition, armedAtMs: number): (string | number)[] {
  return [
    sale.tenantId,
    sale.skuId,
    sale.stock,
    sale.unitPriceMinor,
    sale.currency,
    sale.startsAtMs,
    sale.endsAtMs,
    sale.perUserLimit,
    sale.holdTtlMs,
    armedAtMs,
  ];
}
