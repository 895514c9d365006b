import {
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

export interface InventoryAppDeps {
  logger: Logger;
  metrics: Registry;
  mysql: MysqlPool;
  redis: Redis;
  kafkaAdmin: Admin;
  now: () => Date;
}

/** The inventory service as a fastify instance; it never listens (main.ts and tests decide that). */
export async function buildApp(deps: InventoryAppDeps): Promise<FastifyInstance> {
  const app = await createBaseApp({
    logger: deps.logger,
    metrics: deps.metrics,
    readiness: [mysqlReadiness(deps.mysql), redisReadiness(deps.redis), kafkaReadiness(deps.kafkaAdmin)],
  });
  return app;
}
