// Composition root of the inventory service: config, clients, app, consumer, relay, graceful shutdown, listen.
// First: tracing (when OTEL_* asks for it) must hook the modules below before they evaluate.
import '@flash-sale/service-kit/tracing';
import { loadConfigOrExit } from '@flash-sale/config';
import { RETENTION_PURGE_INTERVAL_MS, connectServiceKafka, createEventConsumer, createOutboxRelay, purgeConsumerDedupe, registry } from '@flash-sale/events';
import { listenWithGracefulShutdown, startServiceRuntime, PeriodicTask, rateLimitsFromConfig } from '@flash-sale/service-kit';
import { StockReservations } from '@flash-sale/stock-reservations';
import { buildApp } from './app.ts';
import { inventoryConfigSchema } from './config.ts';
import { inventoryBatchHandlers, inventoryHandlers } from './workers/event-handlers.ts';

const config = loadConfigOrExit(inventoryConfigSchema);
const { logger, lifecycle, metrics, mysql, redis, now } = await startServiceRuntime('inventory', config, { redact: registry.redactionPaths() });
const { kafka, kafkaAdmin } = await connectServiceKafka('inventory', config, { logger, lifecycle });

// Stock is armed only through the admin API, never as a side effect of starting.
const reservations = new StockReservations(redis);

const relay = lifecycle.add(
  'outbox-relay',
  createOutboxRelay({ pool: mysql, kafka, logger, metrics, service: 'inventory', topicPrefix: config.KAFKA_TOPIC_PREFIX }),
  (r) => r.stop(),
);
await relay.start();
const consumer = lifecycle.add(
  'event-consumer',
  createEventConsumer({
    consumer: 'inventory',
    groupId: `${config.KAFKA_GROUP_ID_PREFIX}inventory`,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    kafka,
    pool: mysql,
    logger,
    metrics,
    handlers: inventoryHandlers({ reservations, now }),
    batchHandlers: inventoryBatchHandlers({ reservations, now }),
  }),
  (c) => c.stop(),
);
await consumer.start();

// Bookkeeping rows expire (packages/events/src/retention.ts); purged in bounded batches.
const retention = lifecycle.add('retention-purge', new PeriodicTask('consumer dedupe purge', () => purgeConsumerDedupe(mysql, { now }), logger), (task) =>
  task.stop(),
);
retention.start(RETENTION_PURGE_INTERVAL_MS);

const app = await buildApp({
  logger,
  metrics,
  mysql,
  redis,
  kafkaAdmin,
  reservations,
  jwtSecret: config.JWT_SECRET,
  jwtIssuer: config.JWT_ISSUER,
  jwtAudience: config.JWT_AUDIENCE,
  rateLimits: rateLimitsFromConfig(config),
  now,
});
await listenWithGracefulShutdown(app, lifecycle, { host: config.HOST, port: config.PORT });
