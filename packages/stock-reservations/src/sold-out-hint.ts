/**
 * Per-process memory that a sale is sold out, so a flood of doomed requests skips Redis. It may
 * only refuse, never accept: Lua stays the judge. Cleared when a release or rebuild announces
 * stock on the pub/sub channel, and in any case after `maxAgeMs`, because a message published
 * while this process was disconnected is lost and must not keep a sale closed.
 *
 * It can also hold the sale's buyers, read in one atomic look while nothing was available
 * (`StockReservations.soldOutBuyers`). Until stock comes back no one else can hold units, so a
 * user outside that list has no order to replay and is refused without any Redis call; a user in
 * it still goes through the idempotency replay. The list is dropped with every clear, and a load
 * that a clear overtook is thrown away.
 */
import type { RedisClient } from './redis-client.ts';

export type SoldOutBuyers =
  | { kind: 'not-sold-out' }
  | { kind: 'unchanged' | 'too-many'; tenantId: string; version: string }
  | { kind: 'listed'; tenantId: string; version: string; userIds: string[] };

export interface SoldOutHintOptions {
  maxAgeMs?: number;
  now?: () => number;
  /** Most buyers held for one sale (default 100,000); a larger sale keeps asking Redis. */
  maxBuyersPerSale?: number;
  /** Sales whose buyers are held at once (default 64); the oldest list goes first. */
  maxSales?: number;
}

interface BuyerList {
  tenantId: string;
  version: string;
  userIds: ReadonlySet<string>;
}

export class SoldOutHint {
  readonly #soldOutAt = new Map<string, number>();
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  readonly #maxBuyersPerSale: number;
  readonly #maxSales: number;
  readonly #buyers = new Map<string, BuyerList>();
  readonly #loading = new Set<string>();
  /** When each sale's buyers were last asked for: at most once per `maxAgeMs`, whatever the answer. */
  readonly #askedAtMs = new Map<string, number>();
  /** Moves on every clear; a buyer list read before a clear may miss a buyer who came after. */
  #generation = 0;

  constructor(options: SoldOutHintOptions = {}) {
    this.#maxAgeMs = options.maxAgeMs ?? 1000;
    this.#now = options.now ?? Date.now;
    this.#maxBuyersPerSale = options.maxBuyersPerSale ?? 100_000;
    this.#maxSales = options.maxSales ?? 64;
  }

  isSoldOut(saleId: string): boolean {
    const at = this.#soldOutAt.get(saleId);
    if (at === undefined) return false;
    if (this.#now() - at < this.#maxAgeMs) return true;
    this.#soldOutAt.delete(saleId);
    return false;
  }

  /**
   * True when the sale is known sold out and this tenant's user is not among its buyers: nothing
   * of theirs can be replayed and Lua would refuse them too. False means "ask".
   */
  refusesAtOnce(saleId: string, tenantId: string, userId: string): boolean {
    if (!this.isSoldOut(saleId)) return false;
    const list = this.#buyers.get(saleId);
    return list !== undefined && list.tenantId === tenantId && !list.userIds.has(userId);
  }

  /** True when the sale's buyers are known and this tenant's user is one of them (holds or bought units). */
  isKnownBuyer(saleId: string, tenantId: string, userId: string): boolean {
    const list = this.#buyers.get(saleId);
    return list !== undefined && list.tenantId === tenantId && list.userIds.has(userId);
  }

  markSoldOut(saleId: string): void {
    this.#soldOutAt.set(saleId, this.#now());
  }

  clear(saleId: string): void {
    this.#soldOutAt.delete(saleId);
    this.#buyers.delete(saleId);
    this.#askedAtMs.delete(saleId);
    this.#generation += 1;
  }

  /** Buyer lists held now (tests check the bound). */
  get heldBuyerLists(): number {
    return this.#buyers.size;
  }

  /**
   * Reads the sale's buyers through `load` (one call at a time per sale, at most once per
   * `maxAgeMs`) and keeps them while the sale is sold out.
   */
  async learnBuyers(saleId: string, load: (knownVersion: string, maxBuyers: number) => Promise<SoldOutBuyers>): Promise<void> {
    const now = this.#now();
    if (this.#loading.has(saleId) || now - (this.#askedAtMs.get(saleId) ?? -Infinity) < this.#maxAgeMs) return;
    if (this.#askedAtMs.size >= 10_000) this.#askedAtMs.clear();
    this.#askedAtMs.set(saleId, now);
    const held = this.#buyers.get(saleId);
    const generation = this.#generation;
    this.#loading.add(saleId);
    try {
      const reply = await load(held?.version ?? '', this.#maxBuyersPerSale);
      if (generation !== this.#generation) return;
      if (reply.kind === 'listed') {
        this.#buyers.delete(saleId);
        this.#buyers.set(saleId, { tenantId: reply.tenantId, version: reply.version, userIds: new Set(reply.userIds) });
        while (this.#buyers.size > this.#maxSales) {
          const oldest = this.#buyers.keys().next();
          if (oldest.done) break;
          this.#buyers.delete(oldest.value);
        }
      } else if (reply.kind !== 'unchanged' || held?.tenantId !== reply.tenantId) {
        this.#buyers.delete(saleId);
      }
    } finally {
      this.#loading.delete(saleId);
    }
  }

  /**
   * Listens for stock coming back on a dedicated subscriber connection (a subscribed ioredis
   * client can run nothing else). Returns a function that unsubscribes.
   *
   * On a Redis Cluster this is classic pub/sub: the scripts PUBLISH on the sale's master and the
   * cluster bus carries it to every node, so one subscription anywhere hears every sale. Sharded
   * pub/sub does not fit: a script may only SPUBLISH to a channel in its own sale's slot, so a
   * listener would need one SSUBSCRIBE per sale. A cluster client does not announce that it moved
   * its subscription to another node, so there `maxAgeMs` alone bounds a missed message's cost.
   */
  async listen(subscriber: RedisClient, channel: string): Promise<() => Promise<void>> {
    const onMessage = (from: string, saleId: string) => {
      if (from === channel) this.clear(saleId);
    };
    // After a reconnect, messages may have been missed: forget everything rather than guess.
    const onReady = () => {
      this.#soldOutAt.clear();
      this.#buyers.clear();
      this.#askedAtMs.clear();
      this.#generation += 1;
    };
    subscriber.on('message', onMessage);
    subscriber.on('ready', onReady);
    await subscriber.subscribe(channel);
    return async () => {
      subscriber.off('message', onMessage);
      subscriber.off('ready', onReady);
      await subscriber.unsubscribe(channel);
    };
  }
}
