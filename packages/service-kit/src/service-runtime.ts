/**
 * What every service process starts with: logger, lifecycle, metrics registry and the clients of
 * its own MySQL schema and Redis. Kafka comes next, from `connectServiceKafka` of @flash-sale/events
 * (the one package that imports the Kafka client), given this logger and lifecycle. For a `main.ts`
 * only; each client is registered for shutdown in creation order.
 */
import type { Registry } from 'prom-client';
import { createMysqlPool, createRedis, type MysqlPool, type RedisClient } from './clients.ts';
import { Lifecycle } from './lifecycle.ts';
import { createLogger, logFormat, type LogFormat, type Logger } from './logger.ts';
import { createMetricsRegistry } from './metrics.ts';

export interface ServiceRuntimeConfig {
  LOG_LEVEL: string;
  NODE_ENV?: string;
  LOG_FORMAT?: LogFormat | undefined;
  MYSQL_URL: string;
  REDIS_URL: string;
  REDIS_CLUSTER_NODES?: string[] | undefined;
  KAFKA_BROKERS: string[];
  KAFKA_SASL_USERNAME?: string | undefined;
  KAFKA_SASL_PASSWORD?: string | undefined;
}

export interface ServiceRuntime {
  logger: Logger;
  lifecycle: Lifecycle;
  metrics: Registry;
  mysql: MysqlPool;
  redis: RedisClient;
  now: () => Date;
}

export async function startServiceRuntime(service: string, config: ServiceRuntimeConfig, options: { redact?: string[] } = {}): Promise<ServiceRuntime> {
  const logger = createLogger({ service, level: config.LOG_LEVEL, format: logFormat(config), ...(options.redact ? { redact: options.redact } : {}) });
  const lifecycle = new Lifecycle(logger);
  const mysql = lifecycle.add('mysql', createMysqlPool(config.MYSQL_URL), (pool) => pool.end());
  const redis = lifecycle.add('redis', createRedis(config), (client) => client.quit());
  return { logger, lifecycle, metrics: createMetricsRegistry(service), mysql, redis, now: () => new Date() };
}
