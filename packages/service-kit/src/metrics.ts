import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';

declare module 'fastify' {
  interface FastifyInstance {
    /** Every answer's duration by route and status; early answers are observed in it too (early-answers.ts). */
    httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  }
}

/** One registry per process, created in main.ts (or per test) and passed down: no global state. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

export const metricsPlugin = fp(
  async (app: FastifyInstance, options: { registry: Registry }) => {
    const { registry } = options;
    const duration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    app.decorate('httpRequestDuration', duration);
    // Callback-style: an async hook would cost every request a promise for a synchronous count.
    app.addHook('onResponse', (request, reply, done) => {
      duration.observe({ method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) }, reply.elapsedTime / 1000);
      done();
    });
    app.get('/metrics', { logLevel: 'warn' }, async (_request, reply) => reply.header('content-type', registry.contentType).send(await registry.metrics()));
  },
  { name: 'metrics' },
);
