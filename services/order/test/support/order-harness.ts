/**
 * Builds the order service against real, isolated servers: a fresh database with the platform
 * and order migrations, a Redis key prefix, the real Kafka admin. Tokens are signed with the
 * app's own secret.
 */
import { platformMigrationsDir, type TopicAdmin } from '@flash-sale/events';
import { createLogger, createMetricsRegistry, createMysqlPool, signToken, type Principal } from '@flash-sale/service-kit';
import { SoldOutHint, StockReservations } from '@flash-sale/stock-reservations';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from '@flash-sale/testkit';
import { createTestKafka } from '@flash-sale/events/testing';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { RedisClient } from '@flash-sale/service-kit';
import type { Pool } from 'mysql2/promise';
import { buildApp, type OrderAppDeps } from '../../src/app.ts';

export const orderMigrationsDir = new URL('../../migrations', import.meta.url).pathname;

interface Tap {
  teardown: (fn: () => unknown) => void;
}

export interface OrderHarness {
  app: FastifyInstance;
  db: TestDatabase;
  redis: RedisClient;
  /** Another connection to the test's Redis (BullMQ wants one of its own), closed after the test. */
  redisConnection: TestRedis['connection'];
  prefix: string;
  reservations: StockReservations;
  kafkaAdmin: TopicAdmin;
  clock: { now: Date };
  token: (principal?: Partial<Principal>) => string;
  armSale: (
    options?: Partial<{ stock: number; perUserLimit: number; holdTtlMs: number; startsAtMs: number; endsAtMs: number; tenantId: string }>,
  ) => Promise<string>;
  rebuild: (overrides: Partial<OrderAppDeps>) => Promise<FastifyInstance>;
}

export async function orderHarness(t: Tap, overrides: Partial<OrderAppDeps> = {}): Promise<OrderHarness> {
  const teardown = t.teardown.bind(t);
  const db = await createTestDatabase(teardown, { migrationsDirs: [platformMigrationsDir, orderMigrationsDir] });
  const { redis, prefix, connection: redisConnection } = await createTestRedis(teardown);
  const { kafka } = await createTestKafka(teardown);
  const kafkaAdmin = kafka.admin();
  await kafkaAdmin.connect();
  t.teardown(() => kafkaAdmin.disconnect());
  const mysqlBatch: Pool = createMysqlPool(db.url, { connectionLimit: 4, multipleStatements: true });
  t.teardown(() => mysqlBatch.end());
  const clock = { now: new Date() };
  const reservations = new StockReservations(redis, { keyPrefix: prefix });

  const deps: OrderAppDeps = {
    logger: createLogger({ service: 'order', level: 'silent' }),
    metrics: createMetricsRegistry('order'),
    mysql: db.pool,
    mysqlBatch,
    redis,
    kafkaAdmin,
    now: () => clock.now,
    jwtSecret: 'test-secret-of-enough-length',
    keyPrefix: prefix,
    soldOut: new SoldOutHint(),
    rateLimits: { perPrincipal: { max: 10_000, windowMs: 1000 } },
  };
  const build = async (more: Partial<OrderAppDeps>) => {
    // Each app instance registers its metrics on a registry of its own.
    const built = await buildApp({ ...deps, metrics: createMetricsRegistry('order'), ...overrides, ...more });
    t.teardown(() => built.close());
    return built;
  };
  const app = await build({});

  return {
    app,
    db,
    redis,
    redisConnection,
    prefix,
    reservations,
    kafkaAdmin,
    clock,
    rebuild: build,
    token: (principal = {}) =>
      signToken(app, { userId: principal.userId ?? `user-${randomUUID()}`, tenantId: principal.tenantId ?? 't1', roles: principal.roles ?? ['shopper'] }),
    armSale: async (options = {}) => {
      const saleId = randomUUID();
      const nowMs = clock.now.getTime();
      await reservations.arm({
        saleId,
        tenantId: options.tenantId ?? 't1',
        skuId: `sku-${saleId}`,
        stock: options.stock ?? 100,
        unitPriceMinor: 1999,
        currency: 'EUR',
        startsAtMs: options.startsAtMs ?? nowMs - 60_000,
        endsAtMs: options.endsAtMs ?? nowMs + 3_600_000,
        perUserLimit: options.perUserLimit ?? 5,
        holdTtlMs: options.holdTtlMs ?? 600_000,
      });
      return saleId;
    },
  };
}

export const placeOrderRequest = (token: string, key: string | undefined, body: unknown) => ({
  method: 'POST' as const,
  url: '/v1/orders',
  headers: { authorization: `Bearer ${token}`, ...(key ? { 'idempotency-key': key } : {}) },
  payload: body as Record<string, unknown>,
});
