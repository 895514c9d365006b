/**
 * Per-process memory that a sale is sold out, so a flood of doomed requests skips Redis. It may
 * only refuse, never accept: Lua stays the judge. Cleared when a release or rebuild announces
 * stock on the pub/sub channel, and in any case after `maxAgeMs`, because a message published
 * while this process was disconnected is lost and must not keep a sale closed.
 */
import type { Redis } from 'ioredis';

export class SoldOutHint {
  readonly #soldOutAt = new Map<string, number>();
  readonly #maxAgeMs: number;
  readonly #now: () => number;

  constructor(options: { maxAgeMs?: number; now?: () => number } = {}) {
    this.#maxAgeMs = options.maxAgeMs ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  isSoldOut(saleId: string): boolean {
    const at = this.#soldOutAt.get(saleId);
    if (at === undefined) return false;
    if (this.#now() - at < this.#maxAgeMs) return true;
    this.#soldOutAt.delete(saleId);
    return false;
  }

  markSoldOut(saleId: string): void {
    this.#soldOutAt.set(saleId, this.#now());
  }

  clear(saleId: string): void {
    this.#soldOutAt.delete(saleId);
  }

  /**
   * Listens for stock coming back on a dedicated subscriber connection (a subscribed ioredis
   * client can run nothing else). Returns a function that unsubscribes.
   */
  async listen(subscriber: Redis, channel: string): Promise<() => Promise<void>> {
    const onMessage = (from: string, saleId: string) => {
      if (from === channel) this.clear(saleId);
    };
    // After a reconnect, messages may have been missed: forget everything rather than guess.
    const onReady = () => this.#soldOutAt.clear();
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
