/**
 * A service's event pipeline, as every `main.ts` wires it: the outbox relay publishing what the
 * service's transactions wrote, the consumer running its handlers in its own group, and the
 * periodic purge of expired dedupe rows (docs/eventing.md "Delivery"). Each part is registered with
 * the lifecycle, so shutdown stops them in reverse order.
 */
import { PeriodicTask, type Lifecycle, type Logger } from '@flash-sale/service-kit';
import type { Pool } from 'mysql2/promise';
import type { Registry } from 'prom-client';
import { createEventConsumer, type EventBatchHandler, type EventConsumer, type EventHandler } from './consumer/event-consumer.ts';
import { createOutboxRelay, type OutboxRelay } from './outbox/relay.ts';
import type { EventRegistry } from './registry.ts';
import { RETENTION_PURGE_INTERVAL_MS, purgeConsumerDedupe } from './retention.ts';
import type { ServiceName } from './topics.ts';
import type { KafkaTransport } from './transport/kafka-transport.ts';

export interface ServiceEventsOptions {
  service: ServiceName;
  config: { KAFKA_GROUP_ID_PREFIX: string; KAFKA_TOPIC_PREFIX: string };
  kafka: KafkaTransport;
  mysql: Pool;
  logger: Logger;
  metrics: Registry;
  lifecycle: Lifecycle;
  now: () => Date;
  handlers: Partial<Record<string, EventHandler>>;
  batchHandlers?: Partial<Record<string, EventBatchHandler>>;
  /** The catalog as this consumer decodes with it (`registry.forConsumer`), when it opens sealed fields. */
  registry?: EventRegistry;
  /** More expired bookkeeping of the service, purged on the same schedule after the dedupe rows. */
  purgeAlso?: { what: string; purge: () => Promise<unknown> };
}

export interface ServiceEvents {
  relay: OutboxRelay;
  consumer: EventConsumer;
}

export async function startServiceEvents(options: ServiceEventsOptions): Promise<ServiceEvents> {
  const { service, config, kafka, mysql, logger, metrics, lifecycle, now } = options;
  const relay = lifecycle.add(
    'outbox-relay',
    createOutboxRelay({ pool: mysql, kafka, logger, metrics, service, topicPrefix: config.KAFKA_TOPIC_PREFIX }),
    (r) => r.stop(),
  );
  await relay.start();
  const consumer = lifecycle.add(
    'event-consumer',
    createEventConsumer({
      consumer: service,
      groupId: `${config.KAFKA_GROUP_ID_PREFIX}${service}`,
      topicPrefix: config.KAFKA_TOPIC_PREFIX,
      kafka,
      pool: mysql,
      logger,
      metrics,
      handlers: options.handlers,
      ...(options.batchHandlers ? { batchHandlers: options.batchHandlers } : {}),
      ...(options.registry ? { registry: options.registry } : {}),
    }),
    (c) => c.stop(),
  );
  await consumer.start();
  // Bookkeeping rows expire (retention.ts); purged in bounded batches.
  const purgeAlso = options.purgeAlso;
  const purge = async () => {
    await purgeConsumerDedupe(mysql, { now });
    await purgeAlso?.purge();
  };
  const retention = lifecycle.add(
    'retention-purge',
    new PeriodicTask(purgeAlso ? `consumer dedupe and ${purgeAlso.what} purge` : 'consumer dedupe purge', purge, logger),
    (task) => task.stop(),
  );
  retention.start(RETENTION_PURGE_INTERVAL_MS);
  return { relay, consumer };
}
