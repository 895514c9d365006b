/** Every Prometheus metric of the reconciler, created once per registry (main.ts or a test). */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface ReconcilerMetrics {
  registry: Registry;
  runs: Counter<'job' | 'outcome'>;
  duration: Histogram<'job'>;
  anomalies: Counter<'job' | 'class'>;
  /** Anomalies of the last run per class: what alerts look at (0 once repaired and re-run). */
  lastRunAnomalies: Gauge<'job' | 'class'>;
  repaired: Counter<'job'>;
  repairFailures: Counter<'job'>;
  outboxStuck: Gauge<'service'>;
  deadLetters: Gauge<'topic'>;
  redisSalesLost: Gauge;
}

export function createReconcilerMetrics(registry: Registry): ReconcilerMetrics {
  const registers = [registry];
  return {
    registry,
    runs: new Counter({ name: 'reconciler_runs_total', help: 'Reconciliation runs by job and outcome', labelNames: ['job', 'outcome'] as const, registers }),
    duration: new Histogram({
      name: 'reconciler_run_duration_seconds',
      help: 'Reconciliation run duration',
      labelNames: ['job'] as const,
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60],
      registers,
    }),
    anomalies: new Counter({ name: 'reconciler_anomalies_total', help: 'Anomalies found, by job and class', labelNames: ['job', 'class'] as const, registers }),
    lastRunAnomalies: new Gauge({
      name: 'reconciler_last_run_anomalies',
      help: 'Anomalies found by the last run, by job and class',
      labelNames: ['job', 'class'] as const,
      registers,
    }),
    repaired: new Counter({ name: 'reconciler_repaired_total', help: 'Anomalies repaired, by job', labelNames: ['job'] as const, registers }),
    repairFailures: new Counter({ name: 'reconciler_repair_failures_total', help: 'Repairs that failed, by job', labelNames: ['job'] as const, registers }),
    outboxStuck: new Gauge({
      name: 'reconciler_outbox_stuck_rows',
      help: 'Outbox rows unpublished past the threshold at the last run',
      labelNames: ['service'] as const,
      registers,
    }),
    deadLetters: new Gauge({
      name: 'reconciler_dead_letter_entries',
      help: 'Entries in a dead-letter or quarantine topic at the last run',
      labelNames: ['topic'] as const,
      registers,
    }),
    redisSalesLost: new Gauge({ name: 'reconciler_redis_sales_lost', help: 'Armed sales whose Redis keys were missing at the last stock check', registers }),
  };
}
