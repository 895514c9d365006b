/**
 * Fixed-window request budgets kept in Redis, so every replica of a service draws on the same
 * budget. The access guard (`auth.ts`) charges a verified caller's budget by tenant and user, and a
 * client address's budget for traffic that carries no valid token; a route without bearer tokens
 * (the payment webhook) charges a budget of its own by address (`limitByAddress`).
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { AppError } from './errors.ts';

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
  redis: Redis;
  /** Names the service in the key, so two services keep separate budgets on one Redis. */
  service: string;
  /** Isolates keys (tests). */
  keyPrefix?: string;
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  resetMs: number;
}

export const rateLimited = (bucket: string, resetMs: number) =>
  new AppError('RATE_LIMITED', 429, 'too many requests', { bucket }, { retryAfterSeconds: Math.max(1, Math.ceil(resetMs / 1000)) });

export class RateLimiter {
  readonly #redis: Redis;
  readonly #namespace: string;

  constructor(options: RateLimiterOptions) {
    this.#redis = options.redis;
    this.#namespace = `${options.keyPrefix ?? ''}rate:${options.service}:`;
  }

  /** Counts one request of `identity` against `budget` in `bucket`. */
  async take(bucket: string, identity: string, budget: Budget): Promise<RateDecision> {
    const key = `${this.#namespace}${bucket}:${identity}`;
    // SET NX starts the window with its expiry; INCR keeps that expiry. One MULTI, so a window
    // never exists without its expiry.
    const results = await this.#redis.multi().set(key, '0', 'PX', budget.windowMs, 'NX').incr(key).pttl(key).exec();
    const count = Number(results?.[1]?.[1] ?? 0);
    const ttl = Number(results?.[2]?.[1] ?? budget.windowMs);
    return { allowed: count <= budget.max, limit: budget.max, remaining: Math.max(0, budget.max - count), resetMs: ttl > 0 ? ttl : budget.windowMs };
  }

  /** Takes one request and answers 429 (with Retry-After) when the budget is spent. */
  async enforce(request: FastifyRequest, reply: FastifyReply, bucket: string, identity: string, budget: Budget): Promise<void> {
    let decision: RateDecision;
    try {
      decision = await this.take(bucket, identity, budget);
    } catch (error) {
      // The budget protects the service; an unreachable Redis must not turn every read into a 500.
      request.log.warn({ err: error, bucket }, 'rate limit not applied: Redis did not answer');
      return;
    }
    void reply.header('x-ratelimit-limit', String(decision.limit));
    void reply.header('x-ratelimit-remaining', String(decision.remaining));
    void reply.header('x-ratelimit-reset', String(Math.ceil(decision.resetMs / 1000)));
    if (!decision.allowed) throw rateLimited(bucket, decision.resetMs);
  }
}

/** Key part for a client address (IPv6 colons kept out of the key's own separators). */
export const addressIdentity = (request: FastifyRequest) => encodeURIComponent(request.ip);
