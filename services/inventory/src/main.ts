// Composition root of the inventory service: config, clients, app, graceful shutdown, listen.
import { loadConfigOrExit } from '@flash-sale/config';
import {
  Lifecycle,
  createKafka,
  createLogger,
  createMetricsRegistry,
  createMysqlPool,
  createRedis,
  listenWithGracefulShutdown,
} from '@flash-sale/service-kit';
import { buildApp } from './app.ts';
import { inventoryConfigSchema } from './config.ts';

const config = loadConfigOrExit(inventoryConfigSchema);
const logger = createLogger({ service: 'inventory', level: config.LOG_LEVEL });
const lifecycle = new Lifecycle(logger);

const mysql = lifecycle.add('mysql', createMysqlPool(config.MYSQL_URL), (pool) => pool.end());
const redis = lifecycle.add('redis', createRedis(config.REDIS_URL), (client) => client.quit());
const kafka = createKafka(config.KAFKA_BROKERS, 'inventory-service', logger);
const kafkaAdmin = lifecycle.add('kafka-admin', kafka.admin(), (admin) => admin.disconnect());
await kafkaAdmin.connect();

const app = await buildApp({ logger, metrics: createMetricsRegistry('inventory'), mysql, redis, kafkaAdmin, now: () => new Date() });
await listenWithGracefulShutdown(app, lifecycle, { host: config.HOST, port: config.PORT });
