import { createServiceApp, type Logger, type MysqlPool, type RateLimits } from '@flash-sale/service-kit';
import type { TrustProxy } from '@flash-sale/config';
import type { StockReservations } from '@flash-sale/stock-reservations';
import type { FastifyInstance } from 'fastify';
import type { RedisClient } from '@flash-sale/service-kit';
import { kafkaReadiness, type TopicAdmin } from '@flash-sale/events';
import type { Registry } from 'prom-client';
import { adminRoutes } from './http/admin.routes.ts';
import { internalRoutes } from './http/internal.routes.ts';
import { publicSalesRoutes } from './http/public-sales.routes.ts';
import { SaleCatalog } from './application/sale-catalog.ts';

export interface InventoryAppDeps {
  logger: Logger;
  metrics: Registry;
  mysql: MysqlPool;
  redis: RedisClient;
  kafkaAdmin: TopicAdmin;
  reservations: StockReservations;
  jwtSecret: string;
  jwtIssuer?: string | undefined;
  jwtAudience?: string | undefined;
  /** Per verified caller and per address without a valid token; unset parts use service-kit's defaults. */
  rateLimits?: Partial<RateLimits>;
  /** Isolates Redis keys (tests). */
  keyPrefix?: string;
  now: () => Date;
  /** The proxies whose X-Forwarded-For names the client (TRUST_PROXY); none when unset. */
  trustProxy?: TrustProxy | undefined;
}

/** The inventory service as a fastify instance; it never listens (main.ts and tests decide that). */
export async function buildApp(deps: InventoryAppDeps): Promise<FastifyInstance> {
  const app = await createServiceApp({
    service: 'inventory',
    logger: deps.logger,
    metrics: deps.metrics,
    mysql: deps.mysql,
    redis: deps.redis,
    readiness: [kafkaReadiness(deps.kafkaAdmin)],
    trustProxy: deps.trustProxy,
    docs: {
      title: 'Inventory service',
      description:
        'SKUs and restock, flash sales that allocate their units from the SKU, arming and ending a sale, stock views (ops), and the public sale reads. Every refusal is {"error":{"code","message","details"}}.',
    },
    auth: { secret: deps.jwtSecret, issuer: deps.jwtIssuer, audience: deps.jwtAudience, keyPrefix: deps.keyPrefix, limits: deps.rateLimits },
  });
  await app.register(adminRoutes, { mysql: deps.mysql, reservations: deps.reservations, now: deps.now, logger: deps.logger });
  await app.register(internalRoutes, { mysql: deps.mysql });
  await app.register(publicSalesRoutes, {
    catalog: new SaleCatalog({ mysql: deps.mysql, reservations: deps.reservations, now: deps.now, logger: deps.logger }),
  });
  return app;
}
