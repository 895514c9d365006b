// The systems under test for `npm run bench`, in a process of their own so the load generator
// does not share their event loop: a bare fastify hello-world and the order service with two
// armed sales (one with ample stock, one sold out). Prints one JSON line, then serves until killed.
import { platformMigrationsDir } from '@flash-sale/events';
import { createLogger, createMetricsRegistry, createMysqlPool, createRedis, signToken } from '@flash-sale/service-kit';
import { SoldOutHint, StockReservations } from '@flash-sale/stock-reservations';
import { createTestDatabase, createTestKafka, createTestRedis } from '@flash-sale/testkit';
import Fastify from 'fastify';
import { buildApp } from '../src/app.ts';

const cleanups: Array<() => Promise<void> | void> = [];
const teardown = (fn: () => Promise<void> | void) => void cleanups.push(fn);

const hello = Fastify({ logger: false });
hello.get('/', async () => ({ hello: 'world' }));
await hello.listen({ host: '127.0.0.1', port: 0 });

const db = await createTestDatabase(teardown, { prefix: 'bench', migrationsDirs: [platformMigrationsDir, new URL('../migrations', import.meta.url).pathname] });
const { prefix, url: redisUrl } = await createTestRedis(teardown);
const { kafka } = await createTestKafka(teardown);
const kafkaAdmin = kafka.admin();
await kafkaAdmin.connect();
const redis = createRedis(redisUrl);
const mysqlBatch = createMysqlPool(db.url, { connectionLimit: 4, multipleStatements: true });

const reservations = new StockReservations(redis, { keyPrefix: prefix });
const now = Date.now();
const sale = (saleId: string, stock: number) =>
  reservations.arm({ saleId, tenantId: 't1', skuId: `sku-${saleId}`, stock, unitPriceMinor: 1000, currency: 'EUR', startsAtMs: now - 1000, endsAtMs: now + 3_600_000, perUserLimit: 1_000_000, holdTtlMs: 3_600_000 });
await sale('00000000-0000-4000-8000-0000000000b1', 100_000_000);
await sale('00000000-0000-4000-8000-0000000000b0', 0);

const app = await buildApp({
  logger: createLogger({ service: 'order', level: 'warn' }),
  metrics: createMetricsRegistry('order'),
  mysql: db.pool,
  mysqlBatch,
  redis,
  kafkaAdmin,
  now: () => new Date(),
  jwtSecret: 'bench-secret-of-enough-length',
  keyPrefix: prefix,
  soldOut: new SoldOutHint(),
  rateLimits: { perPrincipal: { max: 1_000_000_000, windowMs: 1000 } },
});
await app.listen({ host: '127.0.0.1', port: 0 });
const tokens = Array.from({ length: 1000 }, (_, i) => signToken(app, { userId: `bench-user-${i}`, tenantId: 't1', roles: ['shopper'] }, '2h'));

const address = (server: { server: { address: () => unknown } }) => {
  const info = server.server.address() as { port: number } | null;
  return info?.port ?? 0;
};
console.log(JSON.stringify({ helloPort: address(hello), orderPort: address(app), mysqlUrl: db.url, tokens }));

const shutdown = async () => {
  await app.close();
  await hello.close();
  await mysqlBatch.end();
  redis.disconnect();
  await kafkaAdmin.disconnect();
  for (const cleanup of cleanups.reverse()) await cleanup();
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
