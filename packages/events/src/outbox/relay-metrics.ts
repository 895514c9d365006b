import type { Registry } from 'prom-client';
import { counter, gauge } from '@flash-sale/service-kit';

export function relayMetrics(registry: Registry) {
  return {
    unpublished: gauge(registry, 'outbox_unpublished_events', 'Outbox rows not yet published to Kafka', ['relay']),
    oldestAge: gauge(registry, 'outbox_oldest_unpublished_age_seconds', 'Age of the oldest unpublished outbox row', ['relay']),
    published: counter(registry, 'outbox_published_total', 'Outbox rows published to Kafka', ['relay', 'topic']),
    publishFailed: counter(registry, 'outbox_publish_failed_total', 'Outbox rows whose publish failed and will be retried', ['relay', 'topic']),
    purged: counter(registry, 'outbox_purged_total', 'Published outbox rows deleted after the retention', ['relay']),
    leader: gauge(registry, 'outbox_relay_leader', '1 while this relay holds the outbox lease of its database', ['relay']),
  };
}

export type RelayMetrics = ReturnType<typeof relayMetrics>;
