// The request duration histogram is exported exactly as prom-client's Histogram exports the same observations.
import { Histogram, Registry } from 'prom-client';
import t from 'tap';
import { REQUEST_DURATION_BUCKETS, RequestDurations } from '../src/metrics.ts';
import { createBaseApp, createLogger, createMetricsRegistry } from '../src/index.ts';

const observations: Array<[string, string, number, number]> = [
  ['GET', '/v1/sales/:id', 200, 0.0004],
  ['GET', '/v1/sales/:id', 200, 0.001],
  ['GET', '/v1/sales/:id', 200, 0.0031],
  ['GET', '/v1/sales/:id', 304, 0.0002],
  ['POST', '/v1/orders', 201, 0.02],
  ['GET', '/v1/sales/:id', 200, 7],
  ['POST', '/v1/orders', 503, 2.5],
  ['GET', 'unmatched', 404, 0],
  ['POST', '/v1/orders', 201, 0.3],
];

const registryWith = (fill: (registry: Registry) => void) => {
  const registry = new Registry();
  registry.setDefaultLabels({ service: 'inventory' });
  fill(registry);
  return registry;
};

/** The exposition's lines in a stable order (series order is not part of the format). */
const lines = (text: string) => text.split('\n').filter(Boolean).sort();

t.test("the request duration histogram's exposition and JSON are prom-client's for the same observations", async (t) => {
  const ours = registryWith((registry) => {
    const durations = new RequestDurations();
    registry.registerMetric(durations as unknown as Histogram);
    for (const [method, route, status, seconds] of observations) durations.observe(method, route, status, seconds);
  });
  const reference = registryWith((registry) => {
    const histogram = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      buckets: [...REQUEST_DURATION_BUCKETS],
      registers: [registry],
    });
    for (const [method, route, status, seconds] of observations) histogram.observe({ method, route, status: String(status) }, seconds);
  });
  const [ourText, referenceText] = await Promise.all([ours.metrics(), reference.metrics()]);
  t.same(lines(ourText), lines(referenceText));
  t.match(ourText, /http_request_duration_seconds_bucket\{le="0.001",service="inventory",method="GET",route="\/v1\/sales\/:id",status="200"\} 2/);
  const sortValues = (json: Awaited<ReturnType<Registry['getMetricsAsJSON']>>) =>
    json.map((metric) => ({ ...metric, values: metric.values.map((value) => JSON.stringify(value)).sort() }));
  t.same(sortValues(await ours.getMetricsAsJSON()), sortValues(await reference.getMetricsAsJSON()));
  ours.resetMetrics();
  t.notMatch(await ours.metrics(), /_count/);
});

t.test('every answered request is counted once by method, route and status', async (t) => {
  const metrics = createMetricsRegistry('test');
  const app = await createBaseApp({ logger: createLogger({ service: 'test', level: 'silent' }), metrics, readiness: [] });
  t.teardown(() => app.close());
  app.get('/things/:id', async () => ({ ok: true }));
  for (let i = 0; i < 3; i += 1) await app.inject({ method: 'GET', url: `/things/${i}` });
  await app.inject({ method: 'GET', url: '/nowhere' });
  const text = await metrics.metrics();
  t.match(text, /http_request_duration_seconds_count\{service="test",method="GET",route="\/things\/:id",status="200"\} 3/);
  t.match(text, /http_request_duration_seconds_count\{service="test",method="GET",route="unmatched",status="404"\} 1/);
});
