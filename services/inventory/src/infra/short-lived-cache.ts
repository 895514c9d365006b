/**
 * An in-process read-through cache for values that may be a moment old (a public sale page).
 * Single-flight: while a key loads, every other caller of that key awaits the same load, so a
 * stampede on a cold or just-expired key costs one load, not one per request. A failed load is
 * not kept: the next caller tries again.
 */
export interface ShortLivedCacheOptions {
  /** How long a loaded value is served. */
  ttlMs: number;
  /** Entries kept at once; beyond it expired ones go first, then the oldest. Bounds memory against callers inventing keys. */
  maxEntries: number;
  nowMs: () => number;
}

export interface Loaded<V> {
  value: V;
  /** Epoch ms after which the value is wrong even within the TTL (a sale opening or closing). */
  validUntilMs?: number | undefined;
}

interface Entry<V> {
  value: V;
  expiresAtMs: number;
}

export class ShortLivedCache<V> {
  readonly #options: ShortLivedCacheOptions;
  readonly #entries = new Map<string, Entry<V>>();
  readonly #loading = new Map<string, Promise<V>>();

  constructor(options: ShortLivedCacheOptions) {
    this.#options = options;
  }

  async get(key: string, load: () => Promise<Loaded<V>>): Promise<V> {
    const now = this.#options.nowMs();
    const entry = this.#entries.get(key);
    if (entry && now < entry.expiresAtMs) return entry.value;
    const inFlight = this.#loading.get(key);
    if (inFlight) return inFlight;
    const loading = this.#load(key, load);
    this.#loading.set(key, loading);
    return loading;
  }

  /** The value while it is fresh, without loading; undefined when absent or expired (then `get` loads it). */
  peek(key: string): V | undefined {
    const entry = this.#entries.get(key);
    return entry && this.#options.nowMs() < entry.expiresAtMs ? entry.value : undefined;
  }

  async #load(key: string, load: () => Promise<Loaded<V>>): Promise<V> {
    try {
      const loaded = await load();
      const expiresAtMs = Math.min(this.#options.nowMs() + this.#options.ttlMs, loaded.validUntilMs ?? Number.POSITIVE_INFINITY);
      this.#entries.delete(key);
      this.#makeRoom();
      this.#entries.set(key, { value: loaded.value, expiresAtMs });
      return loaded.value;
    } finally {
      this.#loading.delete(key);
    }
  }

  #makeRoom(): void {
    if (this.#entries.size < this.#options.maxEntries) return;
    const now = this.#options.nowMs();
    for (const [key, entry] of this.#entries) if (entry.expiresAtMs <= now) this.#entries.delete(key);
    // Map iteration follows insertion, and a reload re-inserts: the first key is the longest unloaded.
    while (this.#entries.size >= this.#options.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) break;
      this.#entries.delete(oldest.value);
    }
  }

  get size(): number {
    return this.#entries.size;
  }
}
