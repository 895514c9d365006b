// The baselines of `npm run bench`, one per process (BASELINE=hello | seckill), each with the
// services' logger settings (pino at LOG_LEVEL, fastify's request logging as createBaseApp leaves it):
// - hello: fastify's hello-world, the ceiling of any route on this runtime;
// - seckill: the Go + Redis seckill architecture in our runtime: a JSON POST, one EVALSHA that
//   decrements a counter, no auth, no database, no idempotency. Sale ids name counters armed here.
import { readFileSync } from 'node:fs';
import { createLogger, createMetricsRegistry, createRedis, requestLogging } from '@flash-sale/service-kit';
import Fastify from 'fastify';

const baseline = process.env.BASELINE;
const port = Number(process.env.PORT);
const logger = createLogger({ service: `${baseline}-baseline`, level: process.env.LOG_LEVEL ?? 'info' });

const metrics = createMetricsRegistry(`${baseline}-baseline`);
// Request logging as the services have it: the base app's own setting, not restated.
const app = Fastify({ loggerInstance: logger, ...requestLogging() });
// The same /metrics the services expose, so the bench reads every process's heap one way.
app.get('/metrics', { logLevel: 'warn' }, async (_request, reply) => reply.header('content-type', metrics.contentType).send(await metrics.metrics()));
app.get('/health/ready', { logLevel: 'warn' }, async () => ({ status: 'ok' }));

if (baseline === 'hello') {
  app.get('/', async () => ({ hello: 'world' }));
} else if (baseline === 'seckill') {
  // Not the stock-reservations loader: that one reads its own package's scripts. ioredis's
  // defineCommand is what a seckill built on ioredis would use: EVALSHA, EVAL on NOSCRIPT.
  const redis = createRedis(String(process.env.REDIS_URL)).on('error', (error) => logger.error({ err: error }, 'redis'));
  redis.defineCommand('seckillDecrement', { numberOfKeys: 1, lua: readFileSync(new URL('./lua/seckill-decrement-1.lua', import.meta.url), 'utf8') });
  const decrement = (key: string) => (redis as unknown as { seckillDecrement(key: string): Promise<number> }).seckillDecrement(key);
  const keyPrefix = String(process.env.SECKILL_KEY_PREFIX);
  const sales = JSON.parse(String(process.env.SECKILL_SALES)) as Record<string, number>;
  for (const [saleId, stock] of Object.entries(sales)) await redis.set(`${keyPrefix}${saleId}`, stock);
  app.post<{ Body: { sale_id: string; quantity: number } }>(
    '/v1/orders',
    {
      schema: {
        body: {
          type: 'object',
          required: ['sale_id', 'quantity'],
          additionalProperties: false,
          properties: { sale_id: { type: 'string', maxLength: 64 }, quantity: { type: 'integer', minimum: 1, maximum: 1 } },
        },
      },
    },
    async (request, reply) => {
      const left = await decrement(`${keyPrefix}${request.body.sale_id}`);
      if (left < 0) return reply.status(409).send({ error: { code: 'SALE_SOLD_OUT', message: 'sold out', details: {} } });
      return reply.status(201).send({ sale_id: request.body.sale_id, left });
    },
  );
  app.addHook('onClose', async () => void (await redis.quit()));
} else {
  throw new Error(`BASELINE must be hello or seckill, not ${baseline}`);
}

await app.listen({ host: '127.0.0.1', port });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
