import { platformMigrationsDir } from '@flash-sale/events';
import { createLogger, createMetricsRegistry } from '@flash-sale/service-kit';
import { StockReservations } from '@flash-sale/stock-reservations';
import { createTestDatabase, createTestKafka, createTestRedis } from '@flash-sale/testkit';
import t from 'tap';
import { buildApp } from '../src/app.ts';

t.test('inventory service: live, ready against real servers, metrics in Prometheus text', async (t) => {
  const teardown = t.teardown.bind(t);
  const db = await createTestDatabase(teardown, { migrationsDirs: [platformMigrationsDir] });
  const { redis } = await createTestRedis(teardown);
  const { kafka } = await createTestKafka(teardown);
  const kafkaAdmin = kafka.admin();
  await kafkaAdmin.connect();
  t.teardown(() => kafkaAdmin.disconnect());

  const app = await buildApp({
    logger: createLogger({ service: 'inventory', level: 'silent' }),
    metrics: createMetricsRegistry('inventory'),
    mysql: db.pool,
    redis,
    kafkaAdmin,
    reservations: new StockReservations(redis),
    jwtSecret: 'health-test-secret-0123456789',
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

t.test('inventory service: not ready when its schema was never migrated', async (t) => {
  const teardown = t.teardown.bind(t);
  const db = await createTestDatabase(teardown);
  const { redis } = await createTestRedis(teardown);
  const { kafka } = await createTestKafka(teardown);
  const kafkaAdmin = kafka.admin();
  await kafkaAdmin.connect();
  t.teardown(() => kafkaAdmin.disconnect());
  const app = await buildApp({
    logger: createLogger({ service: 'inventory', level: 'silent' }),
    metrics: createMetricsRegistry('inventory'),
    mysql: db.pool,
    redis,
    kafkaAdmin,
    reservations: new StockReservations(redis),
    jwtSecret: 'health-test-secret-0123456789',
    now: () => new Date(),
  });
  t.teardown(() => app.close());
  const ready = await app.inject({ method: 'GET', url: '/health/ready' });
  t.equal(ready.statusCode, 503);
  t.match(ready.json().checks.mysql, /^failed/);
});
