import { createServiceApp, type Logger, type Budget, type MysqlPool, type RateLimits } from '@flash-sale/service-kit';
import type { TrustProxy } from '@flash-sale/config';
import type { FieldKeyring } from '@flash-sale/events';
import type { FastifyInstance } from 'fastify';
import type { RedisClient } from '@flash-sale/service-kit';
import { kafkaReadiness, type TopicAdmin } from '@flash-sale/events';
import type { Registry } from 'prom-client';
import { internalRoutes } from './http/internal.routes.ts';
import { paymentsRoutes } from './http/payments.routes.ts';
import { refundsRoutes } from './http/refunds.routes.ts';
import { webhooksRoutes } from './http/webhooks.routes.ts';
import type { OrderDirectory } from './infra/order-service.client.ts';
import type { PaymentProvider } from './infra/payment-provider.client.ts';
import type { RefundDispatcher } from './workers/refund-dispatcher.ts';

export interface PaymentAppDeps {
  logger: Logger;
  metrics: Registry;
  mysql: MysqlPool;
  redis: RedisClient;
  kafkaAdmin: TopicAdmin;
  provider: PaymentProvider;
  /** The order service, for orders the Kafka-fed view has not seen yet. */
  orders: OrderDirectory;
  refunds: RefundDispatcher;
  jwtSecret: string;
  jwtIssuer?: string | undefined;
  jwtAudience?: string | undefined;
  /** Per verified caller and per address without a valid token; unset parts use service-kit's defaults. */
  rateLimits?: Partial<RateLimits>;
  /** Webhook deliveries per provider address; a flash sale's payments arrive from one address. */
  webhookRateLimit?: Budget;
  /** Isolates Redis keys (tests). */
  keyPrefix?: string;
  webhookSecrets: readonly string[];
  webhookToleranceSeconds: number;
  now: () => Date;
  /** Seal restricted event fields (main.ts requires them outside NODE_ENV=test). */
  fieldKeys?: FieldKeyring | undefined;
  /** The proxies whose X-Forwarded-For names the client (TRUST_PROXY); none when unset. */
  trustProxy?: TrustProxy | undefined;
}

/** Every payment of a sale is confirmed from the provider's few addresses, retries included: a budget for a sale's peak, not a shopper's. */
export const defaultWebhookRateLimit: Budget = { max: 1000, windowMs: 1000 };

/** The payment service as a fastify instance; it never listens (main.ts and tests decide that). */
export async function buildApp(deps: PaymentAppDeps): Promise<FastifyInstance> {
  const app = await createServiceApp({
    service: 'payment',
    logger: deps.logger,
    metrics: deps.metrics,
    mysql: deps.mysql,
    redis: deps.redis,
    readiness: [kafkaReadiness(deps.kafkaAdmin)],
    trustProxy: deps.trustProxy,
    docs: {
      title: 'Payment service',
      description:
        'Opens and reads payments, takes ops refunds, and receives the provider\'s signed webhooks. Every refusal is {"error":{"code","message","details"}}.',
    },
    auth: { secret: deps.jwtSecret, issuer: deps.jwtIssuer, audience: deps.jwtAudience, keyPrefix: deps.keyPrefix, limits: deps.rateLimits },
  });
  const pool = deps.mysql;
  await app.register(paymentsRoutes, { pool, provider: deps.provider, orders: deps.orders, now: deps.now });
  await app.register(refundsRoutes, { pool, refunds: deps.refunds, now: deps.now });
  await app.register(internalRoutes, { pool, now: deps.now });
  await app.register(webhooksRoutes, {
    pool,
    refunds: deps.refunds,
    secrets: deps.webhookSecrets,
    toleranceSeconds: deps.webhookToleranceSeconds,
    rateLimit: deps.webhookRateLimit ?? defaultWebhookRateLimit,
    now: deps.now,
    fieldKeys: deps.fieldKeys,
    metrics: deps.metrics,
  });
  return app;
}
