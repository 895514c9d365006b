import {
  authPlugin,
  createBaseApp,
  kafkaReadiness,
  mysqlReadiness,
  redisReadiness,
  type Logger,
  type MysqlPool,
} from '@flash-sale/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Admin } from 'kafkajs';
import type { Registry } from 'prom-client';
import { internalRoutes } from './http/internal.routes.ts';
import { paymentsRoutes } from './http/payments.routes.ts';
import { refundsRoutes } from './http/refunds.routes.ts';
import { webhooksRoutes } from './http/webhooks.routes.ts';
import type { PaymentProvider } from './infra/payment-provider.client.ts';
import type { RefundDispatcher } from './workers/refund-dispatcher.ts';

export interface PaymentAppDeps {
  logger: Logger;
  metrics: Registry;
  mysql: MysqlPool;
  redis: Redis;
  kafkaAdmin: Admin;
  provider: PaymentProvider;
  refunds: RefundDispatcher;
  jwtSecret: string;
  webhookSecrets: readonly string[];
  webhookToleranceSeconds: number;
  now: () => Date;
}

/** The payment service as a fastify instance; it never listens (main.ts and tests decide that). */
export async function buildApp(deps: PaymentAppDeps): Promise<FastifyInstance> {
  const app = await createBaseApp({
    logger: deps.logger,
    metrics: deps.metrics,
    readiness: [mysqlReadiness(deps.mysql), redisReadiness(deps.redis), kafkaReadiness(deps.kafkaAdmin)],
  });
  await app.register(authPlugin, { secret: deps.jwtSecret });
  const pool = deps.mysql;
  await app.register(paymentsRoutes, { pool, provider: deps.provider, now: deps.now });
  await app.register(refundsRoutes, { pool, refunds: deps.refunds, now: deps.now });
  await app.register(internalRoutes, { pool, now: deps.now });
  await app.register(webhooksRoutes, {
    pool,
    refunds: deps.refunds,
    secrets: deps.webhookSecrets,
    toleranceSeconds: deps.webhookToleranceSeconds,
    now: deps.now,
  });
  return app;
}
