export * from './errors.ts';
export { errorHandlerPlugin } from './error-handler.ts';
export { healthPlugin, type ReadinessCheck, type HealthOptions } from './health.ts';
export { metricsPlugin, createMetricsRegistry } from './metrics.ts';
export { counter, gauge, histogram } from './metric-factory.ts';
export { createMysqlPool, createRedis, bullmqPrefix, type MysqlPool, type RedisClient, type RedisClientOptions, type RedisTarget } from './clients.ts';
export { mysqlReadiness, redisReadiness } from './readiness.ts';
export { createLogger, loggerOptions, logFormat, type LogFormat, type Logger, type LoggerSettings } from './logger.ts';
export { Lifecycle, listenWithGracefulShutdown } from './lifecycle.ts';
export { createBaseApp, requestLogging, type BaseAppOptions } from './app.ts';
export { createServiceApp, type ServiceAppOptions } from './service-app.ts';
export { ServiceClient, type ServiceClientOptions, type ServiceResponse } from './service-client.ts';
export {
  authPlugin,
  requireRole,
  limitByAddress,
  principalOf,
  actsAcrossTenants,
  signToken,
  roleNames,
  tenantIdPattern,
  type AuthOptions,
  type Principal,
  type Role,
} from './auth.ts';
export {
  RateLimiter,
  addressIdentity,
  identityOfAddress,
  rateLimitHeaders,
  budget,
  defaultRateLimits,
  rateLimitNamespace,
  rateLimitsFromConfig,
  type Budget,
  type RateLimitConfig,
  type RateLimits,
  type RateDecision,
} from './rate-limit.ts';
export { EarlyAnswers, clientAddressOf, type EarlyAnswer } from './early-answers.ts';
export { aclRules, bullmqQueueGrant, rateLimitGrant, redisCredentials, type RedisAccess, type RedisKeyGrant } from './redis-access.ts';
export { LuaScript } from './lua-script.ts';
export { withTransaction } from './transaction.ts';
export { docsPlugin, type DocsOptions } from './docs.ts';
export { errorResponse, errorResponses, bearerRefusals, acceptedBeforeZod, type RequestPart } from './route-schemas.ts';
export { startServiceRuntime, type ServiceRuntime, type ServiceRuntimeConfig } from './service-runtime.ts';
export { PeriodicTask } from './periodic-task.ts';
export { encodeKeysetCursor, decodeKeysetCursor, keysetCursorParam, pageLimitParam, type KeysetPosition } from './keyset-cursor.ts';
export { isDuplicateKey, utcDate, utcEpochMs, type Sql } from './sql.ts';
export { serviceKafkaCredentials, serviceKafkaUser } from './service-kafka-principal.ts';
