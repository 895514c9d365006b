// Composition root of the order service: config, clients, app, workers, graceful shutdown, listen.
import { loadConfigOrExit } from '@flash-sale/config';
import { createEventConsumer, createOutboxRelay, registry } from '@flash-sale/events';
import {
  Lifecycle,
  createKafka,
  createLogger,
  createMetricsRegistry,
  createMysqlPool,
  createRedis,
  listenWithGracefulShutdown,
} from '@flash-sale/service-kit';
import { SoldOutHint, stockReturnedChannel } from '@flash-sale/stock-reservations';
import { buildApp } from './app.ts';
import { orderConfigSchema } from './config.ts';
import { startExpiryWorker } from './workers/expiry.worker.ts';
import { orderEventHandlers } from './workers/order-event-handlers.ts';

const config = loadConfigOrExit(orderConfigSchema);
const logger = createLogger({ service: 'order', level: config.LOG_LEVEL, redact: registry.redactionPaths() });
const lifecycle = new Lifecycle(logger);
const now = () => new Date();

const mysql = lifecycle.add('mysql', createMysqlPool(config.MYSQL_URL), (pool) => pool.end());
const mysqlBatch = lifecycle.add('mysql-batch', createMysqlPool(config.MYSQL_URL, { connectionLimit: config.ORDER_BATCH_CONCURRENCY, multipleStatements: true }), (pool) => pool.end());
const redis = lifecycle.add('redis', createRedis(config.REDIS_URL), (client) => client.quit());
// A subscribed connection can run nothing else, so no auto-pipelining onto it.
const subscriber = lifecycle.add('redis-subscriber', createRedis(config.REDIS_URL, { enableAutoPipelining: false }), (client) => client.quit());
const kafka = createKafka(config.KAFKA_BROKERS, 'order-service', logger);
const kafkaAdmin = lifecycle.add('kafka-admin', kafka.admin(), (admin) => admin.disconnect());
await kafkaAdmin.connect();

const soldOut = new SoldOutHint();
await soldOut.listen(subscriber, stockReturnedChannel(''));
const metrics = createMetricsRegistry('order');

const app = await buildApp({
  logger,
  metrics,
  mysql,
  mysqlBatch,
  redis,
  kafkaAdmin,
  now,
  jwtSecret: config.JWT_SECRET,
  soldOut,
  rateLimit: { max: config.RATE_LIMIT_MAX, timeWindowMs: config.RATE_LIMIT_WINDOW_MS },
  batch: { maxBatchSize: config.ORDER_BATCH_MAX, maxConcurrentBatches: config.ORDER_BATCH_CONCURRENCY },
});

// BullMQ blocks on its connection, so it gets its own, with no per-command retry limit.
const bullConnection = lifecycle.add('redis-bullmq', createRedis(config.REDIS_URL, { maxRetriesPerRequest: null, enableAutoPipelining: false }), (client) => client.quit());
const expiry = await startExpiryWorker({ connection: bullConnection, pool: mysql, logger, metrics, now, everyMs: config.EXPIRY_SWEEP_EVERY_MS });
lifecycle.add('expiry-worker', expiry, (worker) => worker.close());

const relay = lifecycle.add('outbox-relay', createOutboxRelay({ pool: mysql, kafka, logger, metrics, service: 'order' }), (r) => r.stop());
await relay.start();
const consumer = lifecycle.add(
  'event-consumer',
  createEventConsumer({ consumer: 'order', groupId: `${config.KAFKA_GROUP_ID_PREFIX}order`, kafka, pool: mysql, logger, metrics, handlers: orderEventHandlers(now) }),
  (c) => c.stop(),
);
await consumer.start();

await listenWithGracefulShutdown(app, lifecycle, { host: config.HOST, port: config.PORT });
