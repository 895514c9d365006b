/**
 * Consumer metrics: the events a consumer finished with (`event_processed_total`), its failed
 * attempts (`event_failed_total`), handling time, lag, and dead-letter and quarantine counts. Trace
 * ids are not labels (unbounded cardinality); every log line of a handled event carries them instead.
 */
import type { Registry } from 'prom-client';
import { counter, gauge, histogram } from '@flash-sale/service-kit';

export function consumerMetrics(registry: Registry) {
  return {
    /** outcome: handled | duplicate | ignored (a type this consumer has no handler for). */
    processed: counter(registry, 'event_processed_total', 'Events a consumer finished with', ['type', 'consumer', 'outcome']),
    /** outcome: retried | dead_lettered | quarantined. */
    failed: counter(registry, 'event_failed_total', 'Failed attempts to handle an event', ['type', 'consumer', 'outcome']),
    duration: histogram(
      registry,
      'event_handling_duration_seconds',
      'Time from taking an event to committing its effect (all attempts)',
      ['type', 'consumer', 'outcome'],
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    ),
    lag: gauge(registry, 'event_consumer_lag', 'Messages behind the partition end after the last handled one', ['consumer', 'topic', 'partition']),
    deadLettered: counter(registry, 'event_dead_lettered_total', 'Events sent to the dead-letter topic', ['consumer', 'type']),
    quarantined: counter(registry, 'event_quarantined_total', 'Messages sent to the quarantine topic', ['consumer', 'topic']),
  };
}

export type ConsumerMetrics = ReturnType<typeof consumerMetrics>;
