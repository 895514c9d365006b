export * from './errors.ts';
export { errorHandlerPlugin } from './error-handler.ts';
export { healthPlugin, type ReadinessCheck, type HealthOptions } from './health.ts';
export { metricsPlugin, createMetricsRegistry } from './metrics.ts';
export { createMysqlPool, createRedis, createKafka, type MysqlPool } from './clients.ts';
export { mysqlReadiness, redisReadiness, kafkaReadiness } from './readiness.ts';
export { createLogger, loggerOptions, type Logger, type LoggerSettings } from './logger.ts';
export { Lifecycle, listenWithGracefulShutdown } from './lifecycle.ts';
export { createBaseApp, type BaseAppOptions } from './app.ts';
