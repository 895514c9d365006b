import { platformMigrationsDir } from '@flash-sale/events';
import { createLogger, createMetricsRegistry } from '@flash-sale/service-kit';
import { connectTestKafkaAdmin } from '@flash-sale/events/testing';
import { serviceProbeSuite } from '@flash-sale/testkit';
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { orderHarness, orderMigrationsDir } from './support/order-harness.ts';

serviceProbeSuite(t, {
  connectKafkaAdmin: connectTestKafkaAdmin,
  service: 'order',
  migrationsDirs: [platformMigrationsDir, orderMigrationsDir],
  build: ({ mysql, redis, kafkaAdmin }) =>
    buildApp({
      logger: createLogger({ service: 'order', level: 'silent' }),
      metrics: createMetricsRegistry('order'),
      mysql,
      mysqlBatch: mysql,
      redis,
      kafkaAdmin,
      now: () => new Date(),
      jwtSecret: 'health-test-secret-0123456789',
    }),
});

t.test('order service: the OpenAPI document generated from the route schemas', async (t) => {
  const { app } = await orderHarness(t);
  const docs = await app.inject({ method: 'GET', url: '/docs/json' });
  t.equal(docs.statusCode, 200);
  const spec = docs.json();
  t.ok(spec.paths['/v1/orders'].post, 'POST /v1/orders documented');
  t.ok(spec.paths['/v1/orders/{id}'].get, 'GET /v1/orders/{id} documented');
  t.match(JSON.stringify(spec.paths['/v1/orders'].post), /24 hours/);
  t.equal((await app.inject({ method: 'GET', url: '/docs' })).statusCode < 400, true, 'UI served');
});
