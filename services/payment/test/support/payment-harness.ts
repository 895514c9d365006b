/**
 * A payment app over a fresh, migrated database, and the provider simulator (the only fake: it is
 * the outside world), each on a real port when a test needs HTTP between them.
 */
import { createKafkaTransport, platformMigrationsDir, type Envelope } from '@flash-sale/events';
import { buildSimulatorApp } from '@flash-sale/provider-sim-service';
import { createLogger, createMetricsRegistry, signToken, type Role, withTransaction } from '@flash-sale/service-kit';
import { createTestDatabase, createTestRedis, resolveServers, type Teardown } from '@flash-sale/testkit';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type mysql from 'mysql2/promise';
import { buildApp, type PaymentAppDeps } from '../../src/app.ts';
import { createOrderEventHandlers } from '../../src/workers/event-handlers.ts';
import { createHttpPaymentProvider } from '../../src/infra/payment-provider.client.ts';
import { createPaymentStatusSweep } from '../../src/workers/payment-status-sweep.ts';
import { createRefundDispatcher } from '../../src/workers/refund-dispatcher.ts';

export const paymentMigrationsDir = new URL('../../migrations', import.meta.url).pathname;
export const WEBHOOK_SECRET = 'test-webhook-secret-current';
export const OLD_WEBHOOK_SECRET = 'test-webhook-secret-previous';
export const TENANT = 't1';

const silent = () => createLogger({ service: 'payment-test', level: 'silent' });

export interface HarnessOptions {
  /** The pool the app uses; defaults to one on the test database (tests pass one through a proxy). */
  appPool?: (databaseUrl: string) => mysql.Pool;
  retry?: { baseMs: number; maxMs: number; maxAttempts: number };
  simulatorSecret?: string;
  /** Budgets for the tests of rate limiting; the defaults otherwise. */
  rateLimits?: PaymentAppDeps['rateLimits'];
  webhookRateLimit?: PaymentAppDeps['webhookRateLimit'];
  /** The order service as the payment service asks it; by default one that never answers. */
  orders?: PaymentAppDeps['orders'];
}

export async function createPaymentHarness(teardown: Teardown, options: HarnessOptions = {}) {
  const db = await createTestDatabase(teardown, { migrationsDirs: [platformMigrationsDir, paymentMigrationsDir] });
  const { redis, prefix } = await createTestRedis(teardown);
  const servers = await resolveServers();
  // Only the readiness probe would use it; it is never connected here.
  const kafkaAdmin = createKafkaTransport({ KAFKA_BROKERS: servers.kafkaBrokers, ...servers.kafkaCredentials }, { clientId: 'payment-test' }).admin();
  const appPool = options.appPool ? options.appPool(db.url) : db.pool;
  const now = () => new Date();

  // The simulator needs the webhook URL and the payment app the provider URL: bind both ports first.
  const webhookTarget = { url: '' };
  const simulator = await buildSimulatorApp({
    logger: silent(),
    metrics: createMetricsRegistry('provider-sim'),
    publicUrl: 'http://127.0.0.1:0',
    webhookUrl: 'http://127.0.0.1:1/unset',
    webhookSecret: options.simulatorSecret ?? WEBHOOK_SECRET,
    retry: options.retry ?? { baseMs: 50, maxMs: 400, maxAttempts: 30 },
    autoCompleteMs: 0,
    now,
  });
  await simulator.app.listen({ host: '127.0.0.1', port: 0 });
  teardown(() => simulator.app.close());
  const providerUrl = `http://127.0.0.1:${(simulator.app.server.address() as AddressInfo).port}`;

  const provider = createHttpPaymentProvider({ baseUrl: providerUrl, timeoutMs: 2000 });
  const logger = silent();
  const refunds = createRefundDispatcher({ pool: appPool, provider, logger, now });
  const metrics = createMetricsRegistry('payment');
  const app = await buildApp({
    logger,
    metrics,
    mysql: appPool,
    redis,
    kafkaAdmin,
    provider,
    orders: options.orders ?? { lookup: async () => ({ kind: 'unreachable', reason: 'no order service in this test' }) },
    refunds,
    jwtSecret: 'test-jwt-secret-0123456789',
    webhookSecrets: [WEBHOOK_SECRET, OLD_WEBHOOK_SECRET],
    webhookToleranceSeconds: 300,
    now,
    keyPrefix: prefix,
    ...(options.rateLimits ? { rateLimits: options.rateLimits } : {}),
    ...(options.webhookRateLimit ? { webhookRateLimit: options.webhookRateLimit } : {}),
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  teardown(async () => {
    await app.close();
    await refunds.stop();
  });
  webhookTarget.url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/v1/webhooks/provider`;
  simulator.provider.sender.retarget(webhookTarget.url);

  const handlers = createOrderEventHandlers({ now });
  const token = (userId: string, roles: Role[] = ['shopper']) => signToken(app, { userId, tenantId: TENANT, roles });

  /** Delivers order.created to the payment service's handler, in a real transaction. */
  const orderCreated = async (order: { orderId?: string; userId?: string; totalMinor?: number; currency?: string; expiresAt?: Date } = {}) => {
    const event = orderEnvelope('order.created.v1', {
      order_id: order.orderId ?? randomUUID(),
      sale_id: 'sale-1',
      sku_id: 'sku-1',
      quantity: 1,
      user_id: order.userId ?? `user-${randomUUID().slice(0, 8)}`,
      unit_price_minor: order.totalMinor ?? 4999,
      total_minor: order.totalMinor ?? 4999,
      currency: order.currency ?? 'EUR',
      expires_at: (order.expiresAt ?? new Date(Date.now() + 15 * 60_000)).toISOString(),
    });
    await withTransaction(db.pool, (tx) => handlers['order.created.v1'](event, { tx, logger }));
    return event.payload;
  };
  const orderEnded = async (type: 'order.expired.v1' | 'order.cancelled.v1', orderId: string) => {
    const payload = { order_id: orderId, sale_id: 'sale-1', sku_id: 'sku-1', quantity: 1, ...(type === 'order.cancelled.v1' ? { reason: 'shopper' } : {}) };
    const event = orderEnvelope(type, payload);
    await withTransaction(db.pool, (tx) => handlers[type](event as never, { tx, logger }));
  };

  /** Opens a payment the way a shopper does, through the HTTP API. */
  const openPayment = async (orderId: string, userId: string) => {
    const response = await app.inject({ method: 'POST', url: `/v1/orders/${orderId}/payments`, headers: { authorization: `Bearer ${token(userId)}` } });
    if (response.statusCode !== 201) throw new Error(`open payment answered ${response.statusCode}: ${response.body}`);
    return response.json<{ payment_id: string; provider: { payment_id: string; redirect_url: string }; amount_minor: number; currency: string }>();
  };

  /** A payment status sweep as main.ts starts it (each call is another replica, same metrics). */
  const statusSweep = (sweepOptions: { pollAfterMs?: number } = {}) =>
    createPaymentStatusSweep({ pool: appPool, provider, refunds, logger, metrics, now, pollAfterMs: sweepOptions.pollAfterMs ?? 0 });

  const query = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) => (await db.pool.query(sql, params))[0] as T[];

  return {
    db,
    app,
    simulator,
    providerUrl,
    webhookUrl: () => webhookTarget.url,
    provider,
    metrics,
    refunds,
    statusSweep,
    handlers,
    token,
    orderCreated,
    orderEnded,
    openPayment,
    query,
    logger,
  };
}

function orderEnvelope<P extends Record<string, unknown>>(type: string, payload: P): Envelope<P> {
  return {
    id: randomUUID(),
    type,
    occurred_at: new Date().toISOString(),
    source: 'order',
    correlation_id: String(payload.order_id),
    trace_id: randomUUID().replaceAll('-', ''),
    payload,
    metadata: { partition_key: String(payload.order_id), tenant_id: TENANT },
  };
}
