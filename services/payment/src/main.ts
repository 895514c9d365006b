// Composition root of the payment service: config, clients, app, graceful shutdown, listen.
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
import { buildApp } from './app.ts';
import { paymentConfigSchema } from './config.ts';
import { createOrderEventHandlers } from './consumers/order-events.handlers.ts';
import { createHttpPaymentProvider } from './infra/payment-provider.client.ts';
import { createRefundDispatcher } from './workers/refund-dispatcher.ts';

const config = loadConfigOrExit(paymentConfigSchema);
const logger = createLogger({
  service: 'payment',
  level: config.LOG_LEVEL,
  redact: [...registry.redactionPaths(), 'req.headers["provider-signature"]'],
});
const lifecycle = new Lifecycle(logger);
const now = () => new Date();

const mysql = lifecycle.add('mysql', createMysqlPool(config.MYSQL_URL), (pool) => pool.end());
const redis = lifecycle.add('redis', createRedis(config.REDIS_URL), (client) => client.quit());
const kafka = createKafka(config.KAFKA_BROKERS, 'payment-service', logger);
const kafkaAdmin = lifecycle.add('kafka-admin', kafka.admin(), (admin) => admin.disconnect());
await kafkaAdmin.connect();

const metrics = createMetricsRegistry('payment');

// Events this service announces leave through its outbox; the order events it follows come in here.
const relay = lifecycle.add('outbox-relay', createOutboxRelay({ pool: mysql, kafka, logger, metrics, service: 'payment' }), (r) => r.stop());
await relay.start();
const consumer = lifecycle.add(
  'order-events-consumer',
  createEventConsumer({ consumer: 'payment', groupId: `${config.KAFKA_GROUP_ID_PREFIX}payment`, kafka, pool: mysql, logger, metrics, handlers: createOrderEventHandlers({ now }) }),
  (c) => c.stop(),
);
await consumer.start();

const provider = createHttpPaymentProvider({ baseUrl: config.PAYMENT_PROVIDER_URL, timeoutMs: config.PAYMENT_PROVIDER_TIMEOUT_MS });
const refunds = lifecycle.add('refund-dispatcher', createRefundDispatcher({ pool: mysql, provider, logger, now }), (dispatcher) => dispatcher.stop());
refunds.start(config.REFUND_SWEEP_INTERVAL_MS);

const app = await buildApp({
  logger,
  metrics,
  mysql,
  redis,
  kafkaAdmin,
  provider,
  refunds,
  jwtSecret: config.JWT_SECRET,
  webhookSecrets: config.PAYMENT_WEBHOOK_SECRETS,
  webhookToleranceSeconds: config.PAYMENT_WEBHOOK_TOLERANCE_SECONDS,
  now,
});
await listenWithGracefulShutdown(app, lifecycle, { host: config.HOST, port: config.PORT });
