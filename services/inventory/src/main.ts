// Composition root of the inventory service: config, clients, app, consumer, relay, graceful shutdown, listen.
// First: tracing (when OTEL_* asks for it) must hook the modules below before they evaluate.
import '@flash-sale/service-kit/tracing';
import { loadConfigOrExit } from '@flash-sale/config';
import { connectServiceKafka, registry, startServiceEvents } from '@flash-sale/events';
import { listenWithGracefulShutdown, startServiceRuntime, rateLimitsFromConfig } from '@flash-sale/service-kit';
import { StockReservations } from '@flash-sale/stock-reservations';
import { buildApp } from './app.ts';
import { inventoryConfigSchema } from './config.ts';
import { inventoryBatchHandlers, inventoryHandlers } from './workers/event-handlers.ts';

const config = loadConfigOrExit(inventoryConfigSchema);
const { logger, lifecycle, metrics, mysql, redis, now } = await startServiceRuntime('inventory', config, { redact: registry.redactionPaths() });
const { kafka, kafkaAdmin } = await connectServiceKafka('inventory', config, { logger, lifecycle });

// Stock is armed only through the admin API, never as a side effect of starting.
const reservations = new StockReservations(redis);

await startServiceEvents({
  service: 'inventory',
  config,
  kafka,
  mysql,
  logger,
  metrics,
  lifecycle,
  now,
  handlers: inventoryHandlers({ reservations, now }),
  batchHandlers: inventoryBatchHandlers({ reservations, now }),
});

const app = await buildApp({
  trustProxy: config.TRUST_PROXY,
  logger,
  metrics,
  mysql,
  redis,
  kafkaAdmin,
  reservations,
  jwtSecret: config.JWT_SECRET,
  jwtIssuer: config.JWT_ISSUER,
  jwtAudience: config.JWT_AUDIENCE,
  rateLimits: rateLimitsFromConfig(config),
  now,
});
await listenWithGracefulShutdown(app, lifecycle, { host: config.HOST, port: config.PORT });
