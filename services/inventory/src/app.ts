import {
  authPlugin,
  createBaseApp,
  kafkaReadiness,
  mysqlReadiness,
  redisReadiness,
  type Logger,
  type MysqlPool,
} from '@flash-sale/service-kit';
import type { StockReservations } from '@flash-sale/stock-reservations';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Admin } from 'kafkajs';
import type { Registry } from 'prom-client';
import { adminRoutes } from './http/admin.routes.ts';

export interface InventoryAppDeps {
  logger: Logger;
  metrics: Registry;
  mysql: MysqlPool;
  redis: Redis;
  kafkaAdmin: Admin;
  reservations: StockReservations;
  jwtSecret: string;
  now: () => Date;
}

/** The inventory service as a fastify instance; it never listens (main.ts and tests decide that). */
export async function buildApp(deps: InventoryAppDeps): Promise<FastifyInstance> {
  const app = await createBaseApp({
    logger: deps.logger,
    metrics: deps.metrics,
    readiness: [mysqlReadiness(deps.mysql), redisReadiness(deps.redis), kafkaReadiness(deps.kafkaAdmin)],
  });
  await app.register(authPlugin, { secret: deps.jwtSecret });
  await app.register(adminRoutes, { mysql: deps.mysql, reservations: deps.reservations, now: deps.now, logger: deps.logger });
  return app;
}
