// Composition root of the inventory service: config, clients, app, consumer, relay, graceful shutdown, listen.
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
import { StockReservations } from '@flash-sale/stock-reservations';
import { buildApp } from './app.ts';
import { inventoryConfigSchema } from './config.ts';
import { inventoryHandlers } from './workers/inventory-handlers.ts';

const config = loadConfigOrExit(inventoryConfigSchema);
const logger = createLogger({ service: 'inventory', level: config.LOG_LEVEL, redact: registry.redactionPaths() });
const lifecycle = new Lifecycle(logger);
const now = () => new Date();
const metrics = createMetricsRegistry('inventory');

const mysql = lifecycle.add('mysql', createMysqlPool(config.MYSQL_URL), (pool) => pool.end());
const redis = lifecycle.add('redis', createRedis(config.REDIS_URL), (client) => client.quit());
const kafka = createKafka(config.KAFKA_BROKERS, 'inventory-service', logger);
const kafkaAdmin = lifecycle.add('kafka-admin', kafka.admin(), (admin) => admin.disconnect());
await kafkaAdmin.connect();

// Stock is armed only through the admin API, never as a side effect of starting.
const reservations = new StockReservations(redis);

const relay = lifecycle.add('outbox-relay', createOutboxRelay({ pool: mysql, kafka, logger, metrics, service: 'inventory' }), (r) => r.stop());
await relay.start();
const consumer = lifecycle.add(
  'event-consumer',
  createEventConsumer({ consumer: 'inventory', groupId: `${config.KAFKA_GROUP_ID_PREFIX}inventory`, kafka, pool: mysql, logger, metrics, handlers: inventoryHandlers({ reservations, now }) }),
  (c) => c.stop(),
);
await consumer.start();

const app = await buildApp({ logger, metrics, mysql, redis, kafkaAdmin, reservations, jwtSecret: config.JWT_SECRET, now });
await listenWithGracefulShutdown(app, lifecycle, { host: config.HOST, port: config.PORT });
