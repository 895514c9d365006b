import { platformMigrationsDir } from '@flash-sale/events';
import { createLogger, createMetricsRegistry } from '@flash-sale/service-kit';
import { createTestDatabase, createTestKafka, createTestRedis } from '@flash-sale/testkit';
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { createHttpPaymentProvider } from '../src/infra/payment-provider.client.ts';
import { createRefundDispatcher } from '../src/workers/refund-dispatcher.ts';

// Probes only: the provider is never called, so it may point nowhere.
const unusedPaymentDeps = (pool: Parameters<typeof createRefundDispatcher>[0]['pool']) => {
  const provider = createHttpPaymentProvider({ baseUrl: 'http://127.0.0.1:1', timeoutMs: 100 });
  const logger = createLogger({ service: 'payment', level: 'silent' });
  return {
    provider,
    refunds: createRefundDispatcher({ pool, provider, logger, now: () => new Date() }),
    jwtSecret: 'test-jwt-secret-0123456789',
    webhookSecrets: ['test-webhook-secret-current'],
    webhookToleranceSeconds: 300,
  };
};

t.test('payment service: live, ready against real servers, metrics in Prometheus text', async (t) => {
  const teardown = t.teardown.bind(t);
  const db = await createTestDatabase(teardown, { migrationsDirs: [platformMigrationsDir] });
  const { redis } = await createTestRedis(teardown);
  const { kafka } = await createTestKafka(teardown);
  const kafkaAdmin = kafka.admin();
  await kafkaAdmin.connect();
  t.teardown(() => kafkaAdmin.disconnect());

  const app = await buildApp({
    logger: createLogger({ service: 'payment', level: 'silent' }),
    metrics: createMetricsRegistry('payment'),
    mysql: db.pool,
    redis,
    kafkaAdmin,
    ...unusedPaymentDeps(db.pool),
    now: () => new Date(),
  });
  t.teardown(() => app.close());

  t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200);
  const ready = await app.inject({ method: 'GET', url: '/health/ready' });
  t.equal(ready.statusCode, 200, ready.body);
  t.same(ready.json(), { status: 'ready', checks: { mysql: 'ok', redis: 'ok', kafka: 'ok' } });

  const metrics = await app.inject({ method: 'GET', url: '/metrics' });
  t.equal(metrics.statusCode, 200);
  t.match(metrics.headers['content-type'], /text\/plain/);
  t.match(metrics.body, /http_request_duration_seconds_bucket\{[^}]*route="\/health\/ready"/);

  const missing = await app.inject({ method: 'GET', url: '/nope' });
  t.equal(missing.statusCode, 404);
  t.equal(missing.json().error.code, 'NOT_FOUND');
});

t.test('payment service: not ready when its schema was never migrated', async (t) => {
  const teardown = t.teardown.bind(t);
  const db = await createTestDatabase(teardown);
  const { redis } = await createTestRedis(teardown);
  const { kafka } = await createTestKafka(teardown);
  const kafkaAdmin = kafka.admin();
  await kafkaAdmin.connect();
  t.teardown(() => kafkaAdmin.disconnect());
  const app = await buildApp({
    logger: createLogger({ service: 'payment', level: 'silent' }),
    metrics: createMetricsRegistry('payment'),
    mysql: db.pool,
    redis,
    kafkaAdmin,
    ...unusedPaymentDeps(db.pool),
    now: () => new Date(),
  });
  t.teardown(() => app.close());
  const ready = await app.inject({ method: 'GET', url: '/health/ready' });
  t.equal(ready.statusCode, 503);
  t.match(ready.json().checks.mysql, /^failed/);
});
