// The order service alone for `npm run bench`: its HTTP app as main.ts builds it, from the same
// config schema and defaults (logger level, rate budgets, group-commit sizes), but without the
// outbox relay, the event consumer and the expiry worker: what the hot path costs by itself. The
// sales named in BENCH_SALES ({"<sale id>": stock}) are armed first. Tells the parent over IPC
// when it listens.
import { createKafkaTransport, registry } from '@flash-sale/events';
import { createLogger, createMetricsRegistry, createMysqlPool, createRedis, rateLimitsFromConfig } from '@flash-sale/service-kit';
import { SoldOutHint, StockReservations, stockReturnedChannel } from '@flash-sale/stock-reservations';
import { buildApp } from '../src/app.ts';
import { orderConfigSchema } from '../src/config.ts';

const config = orderConfigSchema.parse(process.env);
const sales = JSON.parse(String(process.env.BENCH_SALES)) as Record<string, number>;

const logger = createLogger({ service: 'order', level: config.LOG_LEVEL, redact: registry.redactionPaths() });
const mysql = createMysqlPool(config.MYSQL_URL);
const mysqlBatch = createMysqlPool(config.MYSQL_URL, { connectionLimit: config.ORDER_BATCH_CONCURRENCY, multipleStatements: true });
const redis = createRedis(config.REDIS_URL);
const subscriber = createRedis(config.REDIS_URL, { enableAutoPipelining: false });
const kafkaAdmin = createKafkaTransport(config, { clientId: 'order-bench', logger }).admin();
await kafkaAdmin.connect();

const reservations = new StockReservations(redis);
const now = Date.now();
for (const [saleId, stock] of Object.entries(sales)) {
  await reservations.arm({
    saleId,
    tenantId: 't1',
    skuId: `sku-${saleId}`,
    stock,
    unitPriceMinor: 1000,
    currency: 'EUR',
    startsAtMs: now - 1000,
    endsAtMs: now + 4 * 3_600_000,
    perUserLimit: 1_000_000,
    holdTtlMs: 4 * 3_600_000,
  });
}

const soldOut = new SoldOutHint();
await soldOut.listen(subscriber, stockReturnedChannel(''));
const app = await buildApp({
  logger,
  metrics: createMetricsRegistry('order'),
  mysql,
  mysqlBatch,
  redis,
  kafkaAdmin,
  now: () => new Date(),
  jwtSecret: config.JWT_SECRET,
  jwtIssuer: config.JWT_ISSUER,
  jwtAudience: config.JWT_AUDIENCE,
  soldOut,
  rateLimits: rateLimitsFromConfig(config),
  batch: { maxBatchSize: config.ORDER_BATCH_MAX, maxConcurrentBatches: config.ORDER_BATCH_CONCURRENCY },
});
await app.listen({ host: config.HOST, port: config.PORT });

process.on('SIGTERM', () => {
  void (async () => {
    await app.close();
    await Promise.all([mysql.end(), mysqlBatch.end(), kafkaAdmin.disconnect()]);
    redis.disconnect();
    subscriber.disconnect();
    process.exit(0);
  })();
});
