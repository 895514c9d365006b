import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Registry, collectDefaultMetrics, type Histogram } from 'prom-client';

/** One registry per process, created in main.ts (or per test) and passed down: no global state. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** One series of `RequestDurations`: its labels, its observations per bucket (not cumulative), sum and count. */
interface DurationSeries {
  labels: { method: string; route: string; status: string };
  perBucket: number[];
  sum: number;
  count: number;
}

/** A value in prom-client's export shape (what its Histogram's `getForPromString` returns). */
interface ExportedValue {
  labels: Record<string, string | number>;
  sharedLabels: Record<string, string>;
  value: number;
  metricName: string;
  exemplar?: null;
}

export const REQUEST_DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;

/**
 * `http_request_duration_seconds`, exported exactly as prom-client's Histogram exports it (the
 * registry formats both; a test compares the two). prom-client's `observe` validates the labels,
 * builds a key string from them and stringifies the bucket bound on every call: about 4 µs of a
 * cached public read's 100. Here a series is found by the values the request already holds
 * (route, status, method, in nested maps), and the labels object is built once per series.
 */
export class RequestDurations {
  readonly name = 'http_request_duration_seconds';
  readonly help = 'HTTP request duration by route and status';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #upperBounds: readonly number[];
  readonly #series = new Map<string, Map<number, Map<string, DurationSeries>>>();

  constructor(upperBounds: readonly number[] = REQUEST_DURATION_BUCKETS) {
    this.#upperBounds = upperBounds;
  }

  observe(method: string, route: string, status: number, seconds: number): void {
    if (!Number.isFinite(seconds)) return;
    let byStatus = this.#series.get(route);
    if (!byStatus) this.#series.set(route, (byStatus = new Map<number, Map<string, DurationSeries>>()));
    let byMethod = byStatus.get(status);
    if (!byMethod) byStatus.set(status, (byMethod = new Map<string, DurationSeries>()));
    let series = byMethod.get(method);
    if (!series) {
      series = { labels: { method, route, status: String(status) }, perBucket: this.#upperBounds.map(() => 0), sum: 0, count: 0 };
      byMethod.set(method, series);
    }
    // Past the last bound a value is in +Inf only, which is the count.
    const bucket = this.#upperBounds.findIndex((bound) => seconds <= bound);
    if (bucket >= 0) series.perBucket[bucket] = (series.perBucket[bucket] ?? 0) + 1;
    series.sum += seconds;
    series.count += 1;
  }

  /** What the registry formats for the text exposition. */
  getForPromString() {
    const values: ExportedValue[] = [];
    for (const byStatus of this.#series.values()) {
      for (const byMethod of byStatus.values()) {
        for (const series of byMethod.values()) {
          let cumulative = 0;
          this.#upperBounds.forEach((le, i) => {
            cumulative += series.perBucket[i] ?? 0;
            values.push({ labels: { le }, sharedLabels: series.labels, value: cumulative, metricName: `${this.name}_bucket`, exemplar: null });
          });
          values.push(
            { labels: { le: '+Inf' }, sharedLabels: series.labels, value: series.count, metricName: `${this.name}_bucket`, exemplar: null },
            { labels: {}, sharedLabels: series.labels, value: series.sum, metricName: `${this.name}_sum` },
            { labels: {}, sharedLabels: series.labels, value: series.count, metricName: `${this.name}_count` },
          );
        }
      }
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** The JSON form (`registry.getMetricsAsJSON`): each value's series labels folded into its own. */
  get() {
    const data = this.getForPromString();
    return { ...data, values: data.values.map(({ sharedLabels, labels, ...value }) => ({ ...value, labels: { ...labels, ...sharedLabels } })) };
  }

  reset(): void {
    this.#series.clear();
  }
}

export const metricsPlugin = fp(
  async (app: FastifyInstance, options: { registry: Registry }) => {
    const { registry } = options;
    const durations = new RequestDurations();
    // The registry takes any object with prom-client's metric methods; its type names prom-client's classes.
    registry.registerMetric(durations as unknown as Histogram);
    // Callback-style: an async hook would cost every request a promise for a synchronous count.
    app.addHook('onResponse', (request, reply, done) => {
      durations.observe(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
    app.get('/metrics', { logLevel: 'warn' }, async (_request, reply) =>
      reply.header('content-type', registry.contentType).send(await registry.metrics()),
    );
  },
  { name: 'metrics' },
);
