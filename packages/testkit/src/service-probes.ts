/**
 * The probes every service must answer, checked the same way for each: live, ready only against
 * real servers with its schema migrated, Prometheus metrics, and the error contract for an
 * unknown route. The Kafka admin the readiness check asks comes from the caller
 * (`connectTestKafkaAdmin` of @flash-sale/events/testing): only that package speaks to Kafka.
 */
import type { RedisClient } from '@flash-sale/service-kit';
import type { Pool } from 'mysql2/promise';
import type { Test } from 'tap';
import { createTestDatabase, createTestRedis, type Teardown } from './isolation.ts';

interface InjectResponse {
  statusCode: number;
  body: string;
  headers: Record<string, unknown>;
  json: () => unknown;
}

export interface ProbedApp {
  inject: (request: { method: 'GET'; url: string }) => Promise<InjectResponse>;
  close: () => Promise<unknown>;
}

export interface ProbeServers<KafkaAdmin> {
  mysql: Pool;
  redis: RedisClient;
  kafkaAdmin: KafkaAdmin;
}

export function serviceProbeSuite<KafkaAdmin>(
  t: Test,
  options: {
    service: string;
    migrationsDirs: string[];
    connectKafkaAdmin: (teardown: Teardown) => Promise<KafkaAdmin>;
    build: (servers: ProbeServers<KafkaAdmin>) => Promise<ProbedApp>;
  },
): void {
  const start = async (t: Test, migrationsDirs: string[] | undefined) => {
    const teardown = t.teardown.bind(t);
    const db = await createTestDatabase(teardown, migrationsDirs ? { migrationsDirs } : {});
    const { redis } = await createTestRedis(teardown);
    const kafkaAdmin = await options.connectKafkaAdmin(teardown);
    const app = await options.build({ mysql: db.pool, redis, kafkaAdmin });
    t.teardown(() => app.close());
    return app;
  };

  void t.test(`${options.service} service: live, ready against real servers, metrics in Prometheus text`, async (t) => {
    const app = await start(t, options.migrationsDirs);
    t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200);
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    t.equal(ready.statusCode, 200, ready.body);
    t.same(ready.json(), { status: 'ready', checks: { mysql: 'ok', redis: 'ok', kafka: 'ok' } });
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    t.equal(metrics.statusCode, 200);
    t.match(String(metrics.headers['content-type']), /text\/plain/);
    t.match(metrics.body, /http_request_duration_seconds_bucket\{[^}]*route="\/health\/ready"/);
    const missing = await app.inject({ method: 'GET', url: '/nope' });
    t.equal(missing.statusCode, 404);
    t.equal((missing.json() as { error: { code: string } }).error.code, 'NOT_FOUND');
  });

  void t.test(`${options.service} service: not ready when its schema was never migrated`, async (t) => {
    const app = await start(t, undefined);
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    t.equal(ready.statusCode, 503);
    t.match((ready.json() as { checks: { mysql: string } }).checks.mysql, /^failed/);
  });
}
