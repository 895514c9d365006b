// Composition root of the order service: config, clients, app, workers, graceful shutdown, listen.
// First: tracing (when OTEL_* asks for it) must hook the modules below before they evaluate.
import '@flash-sale/service-kit/tracing';
import { loadConfigOrExit } from '@flash-sale/config';
import { connectServiceKafka, loadFieldKeysOrExit, registry, startServiceEvents } from '@flash-sale/events';
import {
  bullmqPrefix,
  createMysqlPool,
  createRedis,
  listenWithGracefulShutdown,
  rateLimitsFromConfig,
  ServiceClient,
  startServiceRuntime,
} from '@flash-sale/service-kit';
import { SALE_REBUILD_QUEUE, SoldOutHint, stockReturnedChannel, type SaleRebuildRequest } from '@flash-sale/stock-reservations';
import { Queue } from 'bullmq';
import { buildApp } from './app.ts';
import { orderConfigSchema } from './config.ts';
import { IdempotencyStore } from './infra/idempotency.store.ts';
import { HttpPaymentStatusReader } from './infra/payment-status.client.ts';
import { QueueSaleRebuildRequester, SaleDirectory } from './infra/sale-directory.ts';
import { startExpiryWorker } from './workers/expiry.worker.ts';
import { orderEventHandlers } from './workers/event-handlers.ts';

const config = loadConfigOrExit(orderConfigSchema);
// The catalog names this service a reader of a restricted field: no start without the keys (but under NODE_ENV=test).
const fieldKeys = loadFieldKeysOrExit(config, registry.needsFieldKeys('order'));
const { logger, lifecycle, metrics, mysql, redis, now } = await startServiceRuntime('order', config, { redact: registry.redactionPaths() });
const { kafka, kafkaAdmin } = await connectServiceKafka('order', config, { logger, lifecycle });
const mysqlBatch = lifecycle.add(
  'mysql-batch',
  createMysqlPool(config.MYSQL_URL, { connectionLimit: config.ORDER_BATCH_CONCURRENCY, multipleStatements: true }),
  (pool) => pool.end(),
);
// A subscribed connection can run nothing else, so no auto-pipelining onto it.
const subscriber = lifecycle.add('redis-subscriber', createRedis(config, { enableAutoPipelining: false }), (client) => client.quit());

const soldOut = new SoldOutHint();
await soldOut.listen(subscriber, stockReturnedChannel(''));

// "Sale not found" from Redis for a sale the books know: asked of inventory, rebuilt by the reconciler.
const rebuildQueueConnection = lifecycle.add('redis-sale-rebuild', createRedis(config, { enableAutoPipelining: false }), (client) => client.quit());
const rebuildQueue = lifecycle.add(
  'sale-rebuild-queue',
  new Queue<SaleRebuildRequest>(SALE_REBUILD_QUEUE, { connection: rebuildQueueConnection, prefix: bullmqPrefix(SALE_REBUILD_QUEUE) }),
  (queue) => queue.close(),
);
const sales = {
  directory: new SaleDirectory({
    inventory: new ServiceClient({
      baseUrl: config.INVENTORY_URL,
      secret: config.JWT_SECRET,
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      caller: 'order',
    }),
  }),
  rebuilds: new QueueSaleRebuildRequester(rebuildQueue),
};

const app = await buildApp({
  trustProxy: config.TRUST_PROXY,
  logger,
  metrics,
  mysql,
  mysqlBatch,
  redis,
  kafkaAdmin,
  now,
  jwtSecret: config.JWT_SECRET,
  soldOut,
  sales,
  jwtIssuer: config.JWT_ISSUER,
  jwtAudience: config.JWT_AUDIENCE,
  rateLimits: rateLimitsFromConfig(config),
  batch: { maxBatchSize: config.ORDER_BATCH_MAX, maxConcurrentBatches: config.ORDER_BATCH_CONCURRENCY },
  ...(config.REDIS_REPLICA_ACK_TIMEOUT_MS > 0 ? { replicaAck: { replicas: 1, timeoutMs: config.REDIS_REPLICA_ACK_TIMEOUT_MS } } : {}),
});

// BullMQ blocks on its connection, so it gets its own, with no per-command retry limit.
const bullConnection = lifecycle.add('redis-bullmq', createRedis(config, { maxRetriesPerRequest: null, enableAutoPipelining: false }), (client) =>
  client.quit(),
);
const payments = new HttpPaymentStatusReader(
  new ServiceClient({ baseUrl: config.PAYMENT_URL, secret: config.JWT_SECRET, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, caller: 'order' }),
);
const expiry = await startExpiryWorker({ connection: bullConnection, pool: mysql, logger, metrics, now, payments, everyMs: config.EXPIRY_SWEEP_EVERY_MS });
lifecycle.add('expiry-worker', expiry, (worker) => worker.close());

// Bookkeeping rows expire (packages/events/src/retention.ts): the Idempotency-Key records with the dedupe rows.
const idempotencyRecords = new IdempotencyStore(redis, mysql, { now });
await startServiceEvents({
  service: 'order',
  config,
  kafka,
  mysql,
  logger,
  metrics,
  lifecycle,
  now,
  handlers: orderEventHandlers(now),
  registry: registry.forConsumer('order', fieldKeys),
  purgeAlso: { what: 'Idempotency-Key', purge: () => idempotencyRecords.purgeExpired() },
});

await listenWithGracefulShutdown(app, lifecycle, { host: config.HOST, port: config.PORT });
