/**
 * What a reconciliation job is: a named check-and-repair pass over the books that returns a tally.
 * The runner (`application/run-job.ts`) turns every tally into a `reconciliation_runs` row and
 * metrics, whoever triggered it.
 */
import type { Logger } from '@flash-sale/service-kit';
import type { StockReservations } from '@flash-sale/stock-reservations';
import type { RedisClient } from '@flash-sale/service-kit';
import type { KafkaTransport } from '@flash-sale/events';
import type { Pool } from 'mysql2/promise';
import type { ReconcilerMetrics } from '../../infra/reconciler-metrics.ts';
import type { ServiceDatabases } from '../../infra/service-databases.ts';

export interface Thresholds {
  /** A COMPLETED payment whose order is still PENDING this long is repaired (5 min; docs/consistency.md, "Thresholds"). */
  paidPendingAfterMs: number;
  /** Outbox rows unpublished this long are republished and alerted (10 min; docs/consistency.md, "Thresholds"). */
  outboxStuckAfterMs: number;
  /** A PENDING order this far past `expires_at` was missed by the order service's own sweep. */
  expiryGraceMs: number;
  /** A Redis hold with no order this long after it was taken is an orphan of a failed write. */
  orphanHoldGraceMs: number;
  /** A terminal order whose stock is still out this long after its last change is compensated. */
  stockReturnGraceMs: number;
  /**
   * A PENDING payment younger than this is in flight and keeps its order from expiring; the same
   * bound as the payment service's internal read (`DEFAULT_IN_FLIGHT_MAX_MS`, 10 min).
   */
  paymentInFlightMaxMs: number;
  /**
   * A paid order whose `order.created` went out this long ago and still has no reservation in the
   * inventory books was refused there (dead-lettered): it can never be confirmed and is refunded.
   */
  unconfirmableAfterMs: number;
}

export const defaultThresholds: Thresholds = {
  paidPendingAfterMs: 5 * 60_000,
  outboxStuckAfterMs: 10 * 60_000,
  expiryGraceMs: 60_000,
  orphanHoldGraceMs: 2 * 60_000,
  stockReturnGraceMs: 2 * 60_000,
  paymentInFlightMaxMs: 10 * 60_000,
  unconfirmableAfterMs: 15 * 60_000,
};

export interface JobDeps {
  /** The reconciler's own schema: run and replay evidence. */
  pool: Pool;
  /** Each service's database through its own connection (ADR 0010); never joined with another. */
  databases: ServiceDatabases;
  redis: RedisClient;
  reservations: StockReservations;
  kafka: KafkaTransport;
  logger: Logger;
  metrics: ReconcilerMetrics;
  now: () => Date;
  thresholds: Thresholds;
  /** Dead-letter and quarantine topics whose depth is watched (already prefixed). */
  deadLetterTopics: readonly string[];
  /**
   * `KAFKA_TOPIC_PREFIX`: put in front of the logical topics the reconciler reads or publishes to
   * (outbox rows, the order-lifecycle replay). Empty: the catalog's names.
   */
  topicPrefix: string;
  /**
   * `KAFKA_GROUP_ID_PREFIX` of the services: their consumer groups are `<prefix><service>`. Read
   * to prove how far a service's consumer got before acting on what it did not do.
   */
  consumerGroupPrefix: string;
  /** Services whose outbox the reconciler watches (each in its own database). */
  outboxes: readonly ('order' | 'payment' | 'inventory')[];
}

export interface JobOutcome {
  checked: number;
  anomalies: Record<string, number>;
  repaired: number;
  failed: number;
  sampleIds: string[];
}

export interface ReconciliationJob {
  name: string;
  description: string;
  /** Default schedule; main.ts may override it from config. */
  everyMs: number;
  run(deps: JobDeps): Promise<JobOutcome>;
}

const SAMPLE_LIMIT = 20;

/** Accumulates one run's findings; a repair that throws is counted and logged, never fatal. */
export class Tally {
  checked = 0;
  repaired = 0;
  failed = 0;
  readonly anomalies: Record<string, number> = {};
  readonly sampleIds: string[] = [];
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  found(anomalyClass: string, id: string, count = 1): void {
    this.anomalies[anomalyClass] = (this.anomalies[anomalyClass] ?? 0) + count;
    if (this.sampleIds.length < SAMPLE_LIMIT && !this.sampleIds.includes(id)) this.sampleIds.push(id);
  }

  /** Runs one repair; `true` from it counts as repaired, `false` as nothing left to do. */
  async repair(anomalyClass: string, id: string, work: () => Promise<boolean>): Promise<void> {
    try {
      if (await work()) this.repaired += 1;
    } catch (error) {
      this.failed += 1;
      this.#logger.error({ err: error, anomaly: anomalyClass, id }, 'repair failed');
    }
  }

  outcome(): JobOutcome {
    return { checked: this.checked, anomalies: { ...this.anomalies }, repaired: this.repaired, failed: this.failed, sampleIds: [...this.sampleIds] };
  }
}
