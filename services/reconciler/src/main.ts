// Composition root of the reconciler: config, clients, schedules, ops app, graceful shutdown, listen.
// First: tracing (when OTEL_* asks for it) must hook the modules below before they evaluate.
import '@flash-sale/service-kit/tracing';
import { loadConfigOrExit } from '@flash-sale/config';
import { createRedis, listenWithGracefulShutdown, rateLimitsFromConfig } from '@flash-sale/service-kit';
import { buildApp } from './app.ts';
import { compose } from './composition.ts';
import { reconcilerConfigSchema } from './config.ts';
import { jobs } from './application/jobs/registry.ts';
import { startReconciliationScheduler } from './workers/reconciliation.scheduler.ts';
import { startSaleRecovery } from './workers/sale-recovery.worker.ts';

const config = loadConfigOrExit(reconcilerConfigSchema);
const { deps, lifecycle } = compose(config, 'reconciler');
const kafkaAdmin = lifecycle.add('kafka-admin', deps.kafka.admin(), (admin) => admin.disconnect());
await kafkaAdmin.connect();

// BullMQ blocks on its connection, so it gets its own, with no per-command retry limit.
const bullConnection = lifecycle.add('redis-bullmq', createRedis(config, { maxRetriesPerRequest: null, enableAutoPipelining: false }), (client) =>
  client.quit(),
);
const scheduler = config.SCHEDULES_ENABLED
  ? lifecycle.add('scheduler', await startReconciliationScheduler({ connection: bullConnection, deps, jobs, everyMs: config.RECONCILE_EVERY_MS }), (s) =>
      s.close(),
    )
  : undefined;

// Runs even with SCHEDULES_ENABLED=false: a lost sale must come back without an operator.
const saleRecovery = lifecycle.add(
  'sale-recovery',
  await startSaleRecovery({ connection: bullConnection, deps, detectEveryMs: config.SALE_LOSS_DETECT_EVERY_MS }),
  (r) => r.close(),
);

const app = await buildApp({
  trustProxy: config.TRUST_PROXY,
  jobs: deps,
  kafkaAdmin,
  jwtSecret: config.JWT_SECRET,
  jwtIssuer: config.JWT_ISSUER,
  jwtAudience: config.JWT_AUDIENCE,
  rateLimits: rateLimitsFromConfig(config),
  queues: scheduler ? [scheduler.queue, saleRecovery.queue] : [saleRecovery.queue],
});
await listenWithGracefulShutdown(app, lifecycle, { host: config.HOST, port: config.PORT });
