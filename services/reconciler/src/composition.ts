/**
 * Builds the clients and job dependencies of a reconciler process from its config; shared by
 * main.ts and the CLIs, which are processes of their own. Everything is registered on `lifecycle`.
 */
import { createKafkaTransport, deadLetterTopic, quarantineTopic, registry as eventRegistry } from '@flash-sale/events';
import { Lifecycle, createLogger, createMetricsRegistry, logFormat, createMysqlPool, createRedis, type Logger } from '@flash-sale/service-kit';
import { StockReservations } from '@flash-sale/stock-reservations';
import type { ReconcilerConfig } from './config.ts';
import { createReconcilerMetrics } from './infra/reconciler-metrics.ts';
import { defaultThresholds, type JobDeps } from './application/jobs/job.ts';

export interface Composition {
  deps: JobDeps;
  logger: Logger;
  lifecycle: Lifecycle;
}

export function compose(config: ReconcilerConfig, name: string): Composition {
  const logger = createLogger({ service: name, level: config.LOG_LEVEL, format: logFormat(config), redact: eventRegistry.redactionPaths() });
  const lifecycle = new Lifecycle(logger);
  const pool = lifecycle.add('mysql', createMysqlPool(config.MYSQL_URL, { connectionLimit: 10 }), (p) => p.end());
  // One small pool per service database: the jobs run one at a time and read in bounded pages.
  const servicePool = (service: string, url: string) => lifecycle.add(`mysql-${service}`, createMysqlPool(url, { connectionLimit: 4 }), (p) => p.end());
  const databases = {
    order: servicePool('order', config.RECONCILER_ORDER_MYSQL_URL),
    payment: servicePool('payment', config.RECONCILER_PAYMENT_MYSQL_URL),
    inventory: servicePool('inventory', config.RECONCILER_INVENTORY_MYSQL_URL),
  };
  const redis = lifecycle.add('redis', createRedis(config), (client) => client.quit());
  const consumers = ['order', 'payment', 'inventory'] as const;
  const deps: JobDeps = {
    pool,
    databases,
    redis,
    reservations: new StockReservations(redis),
    kafka: createKafkaTransport(config, { clientId: name, logger }),
    logger,
    metrics: createReconcilerMetrics(createMetricsRegistry('reconciler')),
    now: () => new Date(),
    thresholds: {
      paidPendingAfterMs: config.PAID_PENDING_AFTER_MS,
      outboxStuckAfterMs: config.OUTBOX_STUCK_AFTER_MS,
      expiryGraceMs: config.EXPIRY_GRACE_MS,
      orphanHoldGraceMs: config.ORPHAN_HOLD_GRACE_MS,
      stockReturnGraceMs: config.STOCK_RETURN_GRACE_MS,
      paymentInFlightMaxMs: defaultThresholds.paymentInFlightMaxMs,
      unconfirmableAfterMs: defaultThresholds.unconfirmableAfterMs,
    },
    deadLetterTopics: consumers
      .flatMap((consumer) => [deadLetterTopic(consumer), quarantineTopic(consumer)])
      .map((topic) => `${config.KAFKA_TOPIC_PREFIX}${topic}`),
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
    consumerGroupPrefix: config.KAFKA_GROUP_ID_PREFIX,
    outboxes: consumers,
  };
  return { deps, logger, lifecycle };
}
