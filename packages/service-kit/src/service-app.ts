/**
 * The opening every API service's `buildApp` shares: the base app (error contract, health, metrics,
 * early answers) with MySQL and Redis in its readiness, the OpenAPI document at `/docs`, and bearer
 * tokens with the service's budgets. The service adds its routes to what this returns.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createBaseApp } from './app.ts';
import { authPlugin } from './auth.ts';
import type { MysqlPool, RedisClient } from './clients.ts';
import { docsPlugin } from './docs.ts';
import type { ReadinessCheck } from './health.ts';
import type { RateLimits } from './rate-limit.ts';
import { mysqlReadiness, redisReadiness } from './readiness.ts';

export interface ServiceAppOptions {
  /** The service's name: the namespace of its budgets in Redis. */
  service: string;
  logger: Logger;
  metrics: Registry;
  mysql: MysqlPool;
  redis: RedisClient;
  /** Checks beyond MySQL and Redis (the Kafka admin's, `kafkaReadiness` in @flash-sale/events). */
  readiness?: ReadinessCheck[];
  /** `TRUST_PROXY` (packages/config): the proxies whose X-Forwarded-For names the client. */
  trustProxy?: boolean | string[] | undefined;
  docs: { title: string; description: string; version?: string };
  auth: {
    secret: string;
    issuer?: string | undefined;
    audience?: string | undefined;
    /** Isolates the budgets' Redis keys (tests). */
    keyPrefix?: string | undefined;
    /** Per verified caller and per address; unset parts use the defaults (rate-limit.ts). */
    limits?: Partial<RateLimits> | undefined;
  };
}

export async function createServiceApp(options: ServiceAppOptions): Promise<FastifyInstance> {
  const app = await createBaseApp({
    logger: options.logger,
    metrics: options.metrics,
    readiness: [mysqlReadiness(options.mysql), redisReadiness(options.redis), ...(options.readiness ?? [])],
    trustProxy: options.trustProxy,
  });
  await app.register(docsPlugin, { version: '1.0.0', ...options.docs });
  await app.register(authPlugin, {
    secret: options.auth.secret,
    issuer: options.auth.issuer,
    audience: options.auth.audience,
    rateLimit: { redis: options.redis, service: options.service, keyPrefix: options.auth.keyPrefix, limits: options.auth.limits },
  });
  return app;
}
