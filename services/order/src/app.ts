import { createServiceApp, type Logger, type MysqlPool, type RateLimits } from '@flash-sale/service-kit';
import type { TrustProxy } from '@flash-sale/config';
import { SoldOutHint, StockReservations, type ReplicaAckOptions } from '@flash-sale/stock-reservations';
import type { FastifyInstance } from 'fastify';
import type { RedisClient } from '@flash-sale/service-kit';
import { kafkaReadiness, type TopicAdmin } from '@flash-sale/events';
import { Counter, type Registry } from 'prom-client';
import { internalOrderRoutes } from './http/internal.routes.ts';
import type { PlaceOrderDeps } from './application/place-order.ts';
import { orderRoutes } from './http/orders.routes.ts';
import { myOrdersRoutes } from './http/my-orders.routes.ts';
import { IdempotencyStore } from './infra/idempotency.store.ts';
import { OrderBatchWriter } from './infra/order-batch-writer.ts';

export interface OrderAppDeps {
  logger: Logger;
  metrics: Registry;
  mysql: MysqlPool;
  /** Connections allowing statement batches, used only by the group-commit writer. */
  mysqlBatch: MysqlPool;
  redis: RedisClient;
  kafkaAdmin: TopicAdmin;
  now: () => Date;
  jwtSecret: string;
  jwtIssuer?: string | undefined;
  jwtAudience?: string | undefined;
  /** Per verified caller and per address without a valid token; unset parts use service-kit's defaults. */
  rateLimits?: Partial<RateLimits>;
  batch?: { maxBatchSize: number; maxConcurrentBatches: number };
  /** Isolates Redis keys (tests). */
  keyPrefix?: string;
  /** Wait for a replica to have each reservation (Redis with replicas only). */
  replicaAck?: ReplicaAckOptions;
  soldOut?: SoldOutHint;
  /** Tells a sale Redis lost (503 SALE_RECOVERING, rebuild asked for) from one that does not exist (404). */
  sales?: PlaceOrderDeps['sales'];
  /** The proxies whose X-Forwarded-For names the client (TRUST_PROXY); none when unset. */
  trustProxy?: TrustProxy | undefined;
}

/** The order service as a fastify instance; it never listens (main.ts and tests decide that). */
export async function buildApp(deps: OrderAppDeps): Promise<FastifyInstance> {
  const app = await createServiceApp({
    service: 'order',
    logger: deps.logger,
    metrics: deps.metrics,
    mysql: deps.mysql,
    redis: deps.redis,
    readiness: [kafkaReadiness(deps.kafkaAdmin)],
    trustProxy: deps.trustProxy,
    docs: {
      title: 'Order service',
      description: 'Places, reads and cancels flash-sale orders. Every refusal is {"error":{"code","message","details"}}.',
    },
    auth: { secret: deps.jwtSecret, issuer: deps.jwtIssuer, audience: deps.jwtAudience, keyPrefix: deps.keyPrefix, limits: deps.rateLimits },
  });

  const batches = new Counter({
    name: 'order_write_batches_total',
    help: 'Group-commit transactions by outcome',
    labelNames: ['outcome'] as const,
    registers: [deps.metrics],
  });
  const batchedOrders = new Counter({ name: 'order_write_batched_orders_total', help: 'Orders written through group commit', registers: [deps.metrics] });
  const writer = new OrderBatchWriter({
    pool: deps.mysqlBatch,
    logger: deps.logger,
    ...(deps.batch ?? {}),
    onBatch: (size, ok) => {
      batches.inc({ outcome: ok ? 'committed' : 'failed' });
      if (ok) batchedOrders.inc(size);
    },
  });

  await app.register(internalOrderRoutes, { pool: deps.mysql });
  await app.register(myOrdersRoutes, { pool: deps.mysql });
  await app.register(orderRoutes, {
    pool: deps.mysql,
    now: deps.now,
    placeOrder: {
      reservations: new StockReservations(deps.redis, {
        ...(deps.keyPrefix ? { keyPrefix: deps.keyPrefix } : {}),
        ...(deps.replicaAck ? { replicaAck: deps.replicaAck } : {}),
      }),
      idempotency: new IdempotencyStore(deps.redis, deps.mysql, { now: deps.now, ...(deps.keyPrefix ? { keyPrefix: deps.keyPrefix } : {}) }),
      writer,
      soldOut: deps.soldOut ?? new SoldOutHint(),
      logger: deps.logger,
      now: deps.now,
      ...(deps.sales ? { sales: deps.sales } : {}),
    },
  });
  return app;
}
