import t from 'tap';
import { orderHarness } from './support/order-harness.ts';

t.test('order service: live, ready against real servers, metrics, docs', async (t) => {
  const { app } = await orderHarness(t);
  t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200);
  const ready = await app.inject({ method: 'GET', url: '/health/ready' });
  t.equal(ready.statusCode, 200, ready.body);
  t.same(ready.json(), { status: 'ready', checks: { mysql: 'ok', redis: 'ok', kafka: 'ok' } });

  const metrics = await app.inject({ method: 'GET', url: '/metrics' });
  t.match(metrics.headers['content-type'], /text\/plain/);
  t.match(metrics.body, /http_request_duration_seconds_bucket\{[^}]*route="\/health\/ready"/);

  const docs = await app.inject({ method: 'GET', url: '/docs/json' });
  t.equal(docs.statusCode, 200);
  const spec = docs.json();
  t.ok(spec.paths['/v1/orders'].post, 'POST /v1/orders documented');
  t.match(JSON.stringify(spec.paths['/v1/orders'].post), /24 hours/);
});
