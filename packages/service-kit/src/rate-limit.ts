/**
 * Fixed-window request budgets kept in Redis, so every replica of a service draws on the same
 * budget. The access guard (`auth.ts`) charges a verified caller's budget by tenant and user, and a
 * client address's budget for traffic that carries no valid token; a route without bearer tokens
 * (the payment webhook) charges a budget of its own by address (`limitByAddress`).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { RedisClient } from './clients.ts';
import { AppError } from './errors.ts';
import { LuaScript } from './lua-script.ts';

export interface Budget {
  /** Requests admitted per window. */
  max: number;
  windowMs: number;
}

export interface RateLimits {
  /** Per verified caller (tenant + user), shared by every guarded route of the service. */
  perPrincipal: Budget;
  /** Per client address, for requests without a valid token (missing, forged, expired). */
  perAddress: Budget;
}

/**
 * Generous enough for the demo (each buyer its own user) and for a client retrying a refused token
 * a few times; far below what a token-guessing or flooding client sends.
 */
export const defaultRateLimits: RateLimits = {
  perPrincipal: { max: 50, windowMs: 1000 },
  perAddress: { max: 40, windowMs: 10_000 },
};

/** The rate settings every service's config names the same way (all optional; `packages/config`). */
export interface RateLimitConfig {
  RATE_LIMIT_MAX?: number | undefined;
  RATE_LIMIT_WINDOW_MS?: number | undefined;
  RATE_LIMIT_UNAUTHENTICATED_MAX?: number | undefined;
  RATE_LIMIT_UNAUTHENTICATED_WINDOW_MS?: number | undefined;
}

/** A budget from an optional max and window, each falling back to `fallback`'s. */
export const budget = (max: number | undefined, windowMs: number | undefined, fallback: Budget): Budget => ({
  max: max ?? fallback.max,
  windowMs: windowMs ?? fallback.windowMs,
});

export const rateLimitsFromConfig = (config: RateLimitConfig): RateLimits => ({
  perPrincipal: budget(config.RATE_LIMIT_MAX, config.RATE_LIMIT_WINDOW_MS, defaultRateLimits.perPrincipal),
  perAddress: budget(config.RATE_LIMIT_UNAUTHENTICATED_MAX, config.RATE_LIMIT_UNAUTHENTICATED_WINDOW_MS, defaultRateLimits.perAddress),
});

export interface RateLimiterOptions {
  redis: RedisClient;
  /** Names the service in the key, so two services keep separate budgets on one Redis. */
  service: string;
  /** Isolates keys (tests). */
  keyPrefix?: string;
  /**
   * Share of a budget this process admits on its own count while the window's count it knows stays
   * below it (default 0.5); those requests reach Redis in batches every `flushMs`. Past it, every
   * request asks Redis. 0 asks Redis on every request.
   */
  localShare?: number;
  /** How often requests admitted locally are added to the shared counts (default 20 ms). */
  flushMs?: number;
  /** Windows tracked in this process at once; callers beyond it ask Redis every time (default 100,000). */
  maxTracked?: number;
  nowMs?: () => number;
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetMs: number;
}

export const rateLimited = (bucket: string, resetMs: number) =>
  new AppError('RATE_LIMITED', 429, 'too many requests', { bucket }, { retryAfterSeconds: Math.max(1, Math.ceil(resetMs / 1000)) });

// One script call per window instead of a MULTI of five commands: ioredis's cost is per command.
const rateWindow = new LuaScript(new URL('./lua/rate-window-1.lua', import.meta.url));
/** Adds `count` requests to the window at `key`; Redis answers { count in this window, ms until it ends }. */
const rateWindowAdd = (redis: RedisClient, key: string, count: number, windowMs: number) =>
  rateWindow.run(redis, [key], [count, windowMs]) as Promise<[number, number]>;

/** One identity's current window as this process knows it. */
interface Window {
  key: string;
  bucket: string;
  identity: string;
  budget: Budget;
  resetAtMs: number;
  /** The count Redis last reported (every process's requests). */
  shared: number;
  /** Admitted here and not yet sent to Redis. */
  pending: number;
  /** Sent to Redis, reply not back yet. */
  sending: number;
}

/**
 * A Redis round trip on every request cost a quarter of a sold-out refusal's CPU, so each process
 * counts locally first. A window's count only rises, so two answers need no Redis at all: "spent"
 * once the known count reached the budget, and "admitted" while the known count is below
 * `localShare` of it (the requests are added to Redis in the next batch). In between, Redis decides
 * as before, carrying the local requests with it. One process is exact; with P processes a caller
 * bursting across all of them within one flush interval can pass the budget by at most
 * (P − 1) × `localShare` × max, and a window starts in Redis up to one flush interval after its
 * first request.
 */
/** Where a service's budget windows live: `<keyPrefix>rate:<service>:<bucket>:<identity>`. */
export function rateLimitNamespace(service: string, keyPrefix = ''): string {
  return `${keyPrefix}rate:${service}:`;
}

export class RateLimiter {
  readonly #redis: RedisClient;
  readonly #namespace: string;
  readonly #localShare: number;
  readonly #flushMs: number;
  readonly #maxTracked: number;
  readonly #now: () => number;
  readonly #windows = new Map<string, Window>();
  /**
   * The same windows by bucket, then identity. A request finds its window without building the key
   * string: an address is the string its socket holds for the connection's life, whose hash V8
   * keeps, where a key built per request is a new string hashed every time (the costliest line of
   * a local decision in a profile of the public sale read).
   */
  readonly #byBucket = new Map<string, Map<string, Window>>();
  readonly #dirty = new Set<Window>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #sweptAtMs = 0;

  constructor(options: RateLimiterOptions) {
    rateWindow.defineOn(options.redis);
    this.#redis = options.redis;
    this.#namespace = rateLimitNamespace(options.service, options.keyPrefix);
    this.#localShare = Math.min(1, Math.max(0, options.localShare ?? 0.5));
    this.#flushMs = options.flushMs ?? 20;
    this.#maxTracked = options.maxTracked ?? 100_000;
    this.#now = options.nowMs ?? Date.now;
  }

  /** Counts one request of `identity` against `budget` in `bucket`. */
  async take(bucket: string, identity: string, budget: Budget): Promise<RateDecision> {
    return this.#take(bucket, identity, budget) ?? this.#askFor(bucket, identity, budget);
  }

  /**
   * `take` when this process decides alone (the local count says admitted or spent); undefined,
   * counting nothing, when Redis must decide (then call `take`). Synchronous: a hook admitting on
   * the local count allocates no promise.
   */
  takeLocally(bucket: string, identity: string, budget: Budget): RateDecision | undefined {
    return this.#take(bucket, identity, budget);
  }

  #askFor(bucket: string, identity: string, budget: Budget): Promise<RateDecision> {
    const key = `${this.#namespace}${bucket}:${identity}`;
    const window = this.#windows.get(key);
    if (!window) return this.#ask(key, budget, 1);
    const count = window.pending + 1;
    window.pending = 0;
    this.#dirty.delete(window);
    return this.#ask(key, budget, count, window);
  }

  /** The local decision, or undefined when Redis decides (`#askFor`, which takes the request then). */
  #take(bucket: string, identity: string, budget: Budget): RateDecision | undefined {
    const now = this.#now();
    let byIdentity = this.#byBucket.get(bucket);
    let window = byIdentity?.get(identity);
    if (window && now >= window.resetAtMs) {
      // Requests of an ended window still unsent would only count against a window that is over.
      this.#forget(window);
      window = undefined;
    }
    if (!window) {
      if (this.#windows.size >= this.#maxTracked && now - this.#sweptAtMs >= 1000) this.#sweep(now);
      // Untracked: Redis decides alone (`#askFor` finds no window).
      if (this.#windows.size >= this.#maxTracked) return undefined;
      const key = `${this.#namespace}${bucket}:${identity}`;
      window = { key, bucket, identity, budget, resetAtMs: now + budget.windowMs, shared: 0, pending: 0, sending: 0 };
      this.#windows.set(key, window);
      if (!byIdentity) this.#byBucket.set(bucket, (byIdentity = new Map<string, Window>()));
      byIdentity.set(identity, window);
    }
    const known = window.shared + window.sending + window.pending;
    if (known >= budget.max) return { allowed: false, limit: budget.max, remaining: 0, resetMs: window.resetAtMs - now };
    if (known + 1 <= Math.floor(budget.max * this.#localShare)) {
      window.pending += 1;
      this.#dirty.add(window);
      this.#timer ??= setTimeout(() => this.#flush(), this.#flushMs).unref();
      return { allowed: true, limit: budget.max, remaining: budget.max - known - 1, resetMs: window.resetAtMs - now };
    }
    return undefined;
  }

  /** Adds `count` requests to the shared window and decides the last of them. */
  async #ask(key: string, budget: Budget, count: number, window?: Window): Promise<RateDecision> {
    if (window) window.sending += count;
    let reply: [number, number];
    try {
      reply = await rateWindowAdd(this.#redis, key, count, budget.windowMs);
    } finally {
      if (window) window.sending -= count;
    }
    const total = Number(reply[0]);
    const ttl = Number(reply[1]);
    const resetMs = ttl > 0 ? ttl : budget.windowMs;
    if (window) this.#learn(window, total, resetMs);
    return { allowed: total <= budget.max, limit: budget.max, remaining: Math.max(0, budget.max - total), resetMs };
  }

  /** Takes in a count Redis reported; replies on one connection come in order, so it includes every earlier send. */
  #learn(window: Window, total: number, resetMs: number): void {
    if (this.#windows.get(window.key) !== window) return;
    window.shared = Math.max(window.shared, total);
    window.resetAtMs = this.#now() + resetMs;
  }

  /**
   * Sends every locally admitted request to Redis, one script call per window. Not one explicit
   * pipeline: the windows' keys lie in many cluster slots, which a cluster pipeline refuses; the
   * client's auto-pipelining still sends the calls of one flush (per node) in one write.
   */
  #flush(): void {
    this.#timer = undefined;
    const now = this.#now();
    if (now - this.#sweptAtMs >= 1000) this.#sweep(now);
    if (this.#dirty.size === 0) return;
    const batch = [...this.#dirty].map((window) => ({ window, count: window.pending }));
    this.#dirty.clear();
    const sent = batch.map(({ window, count }) => {
      window.pending = 0;
      window.sending += count;
      return rateWindowAdd(this.#redis, window.key, count, window.budget.windowMs).then(
        (reply) => {
          window.sending -= count;
          if (!Array.isArray(reply)) return;
          const ttl = Number(reply[1]);
          this.#learn(window, Number(reply[0]), ttl > 0 ? ttl : window.budget.windowMs);
        },
        () => {
          // Redis did not answer: these requests stay admitted and uncounted, as when `enforce` skips the limit.
          window.sending -= count;
        },
      );
    });
    this.#flushing = Promise.all(sent).then(() => undefined);
  }

  /** Forgets ended windows, so memory follows the callers of the last window, not every caller ever. */
  #sweep(now: number): void {
    this.#sweptAtMs = now;
    for (const window of this.#windows.values()) {
      if (now < window.resetAtMs) continue;
      this.#forget(window);
    }
  }

  #forget(window: Window): void {
    this.#windows.delete(window.key);
    this.#dirty.delete(window);
    const byIdentity = this.#byBucket.get(window.bucket);
    byIdentity?.delete(window.identity);
    if (byIdentity?.size === 0) this.#byBucket.delete(window.bucket);
  }

  /** Sends what is still counted only here; for a graceful close. */
  async close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#flush();
    await this.#flushing;
  }

  /** Takes one request and answers 429 (with Retry-After) when the budget is spent. */
  async enforce(request: FastifyRequest, reply: FastifyReply, bucket: string, identity: string, budget: Budget): Promise<void> {
    let decision: RateDecision;
    try {
      decision = this.#take(bucket, identity, budget) ?? (await this.#askFor(bucket, identity, budget));
    } catch (error) {
      // The budget protects the service; an unreachable Redis must not turn every read into a 500.
      request.log.warn({ err: error, bucket }, 'rate limit not applied: Redis did not answer');
      return;
    }
    applyDecision(reply, bucket, decision);
  }

  /**
   * `enforce` for a callback-style hook: a request this process admits on its own count
   * (`takeLocally`) costs no promise, which on a cached public read is a tenth of the route's own
   * work; one Redis must decide goes through `enforce`. Calls `done` with the 429, or with nothing.
   */
  charge(request: FastifyRequest, reply: FastifyReply, bucket: string, identity: string, budget: Budget, done: (error?: Error) => void): void {
    const decision = this.#take(bucket, identity, budget);
    if (!decision) {
      this.enforce(request, reply, bucket, identity, budget).then(() => done(), done);
      return;
    }
    try {
      applyDecision(reply, bucket, decision);
    } catch (refusal) {
      done(refusal as Error);
      return;
    }
    done();
  }
}

/** The budget's headers on the reply, and a 429 (with Retry-After) when it is spent. */
function applyDecision(reply: FastifyReply, bucket: string, decision: RateDecision): void {
  void reply.headers(rateLimitHeaders(decision));
  if (!decision.allowed) throw rateLimited(bucket, decision.resetMs);
}

/** The budget's headers for a decision, on every answer of a limited route (an early answer's too). */
export function rateLimitHeaders(decision: RateDecision): { 'x-ratelimit-limit': string; 'x-ratelimit-remaining': string; 'x-ratelimit-reset': string } {
  return {
    'x-ratelimit-limit': String(decision.limit),
    'x-ratelimit-remaining': String(decision.remaining),
    'x-ratelimit-reset': String(Math.ceil(decision.resetMs / 1000)),
  };
}

/**
 * Key part for a client address (IPv6 colons kept out of the key's own separators). An IPv4
 * address is its own encoding: returned as the socket holds it, the string is not copied.
 */
const ipv4 = /^[0-9.]+$/;
export const identityOfAddress = (ip: string | undefined) => (ip !== undefined && ipv4.test(ip) ? ip : encodeURIComponent(String(ip)));
// `request.ip` is undefined once the socket is gone.
export const addressIdentity = (request: FastifyRequest) => identityOfAddress(request.ip);
