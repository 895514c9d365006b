// Composition root of the payment service: config, clients, app, graceful shutdown, listen.
// First: tracing (when OTEL_* asks for it) must hook the modules below before they evaluate.
import '@flash-sale/service-kit/tracing';
import { loadConfigOrExit } from '@flash-sale/config';
import { connectServiceKafka, loadFieldKeysOrExit, registry, startServiceEvents } from '@flash-sale/events';
import { budget, listenWithGracefulShutdown, rateLimitsFromConfig, startServiceRuntime, ServiceClient } from '@flash-sale/service-kit';
import { buildApp, defaultWebhookRateLimit } from './app.ts';
import { paymentConfigSchema } from './config.ts';
import { createOrderEventHandlers } from './workers/event-handlers.ts';
import { createOrderServiceDirectory } from './infra/order-service.client.ts';
import { createHttpPaymentProvider } from './infra/payment-provider.client.ts';
import { createPaymentStatusSweep } from './workers/payment-status-sweep.ts';
import { createRefundDispatcher } from './workers/refund-dispatcher.ts';

const config = loadConfigOrExit(paymentConfigSchema);
// payment.completed carries a restricted field: no start without the keys that seal it (but under NODE_ENV=test).
const fieldKeys = loadFieldKeysOrExit(config, registry.needsFieldKeys('payment'));
const { logger, lifecycle, metrics, mysql, redis, now } = await startServiceRuntime('payment', config, {
  redact: [...registry.redactionPaths(), 'req.headers["provider-signature"]'],
});
const { kafka, kafkaAdmin } = await connectServiceKafka('payment', config, { logger, lifecycle });

// Events this service announces leave through its outbox; the order events it follows come in here.
await startServiceEvents({ service: 'payment', config, kafka, mysql, logger, metrics, lifecycle, now, handlers: createOrderEventHandlers({ now }) });

const orders = createOrderServiceDirectory(
  new ServiceClient({ baseUrl: config.ORDER_URL, secret: config.JWT_SECRET, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, caller: 'payment' }),
);
const provider = createHttpPaymentProvider({ baseUrl: config.PAYMENT_PROVIDER_URL, timeoutMs: config.PAYMENT_PROVIDER_TIMEOUT_MS });
const refunds = lifecycle.add('refund-dispatcher', createRefundDispatcher({ pool: mysql, provider, logger, now }), (dispatcher) => dispatcher.stop());
refunds.start(config.REFUND_SWEEP_INTERVAL_MS);
// A webhook that never arrives must not leave a payment PENDING forever: ask the provider.
const statusSweep = lifecycle.add(
  'payment-status-sweep',
  createPaymentStatusSweep({ pool: mysql, provider, refunds, logger, metrics, now, pollAfterMs: config.PAYMENT_STATUS_POLL_AFTER_MS, fieldKeys }),
  (sweep) => sweep.stop(),
);
statusSweep.start(config.PAYMENT_STATUS_SWEEP_INTERVAL_MS);

const app = await buildApp({
  trustProxy: config.TRUST_PROXY,
  logger,
  metrics,
  mysql,
  redis,
  kafkaAdmin,
  provider,
  orders,
  refunds,
  jwtSecret: config.JWT_SECRET,
  jwtIssuer: config.JWT_ISSUER,
  jwtAudience: config.JWT_AUDIENCE,
  rateLimits: rateLimitsFromConfig(config),
  webhookRateLimit: budget(config.WEBHOOK_RATE_LIMIT_MAX, config.WEBHOOK_RATE_LIMIT_WINDOW_MS, defaultWebhookRateLimit),
  webhookSecrets: config.PAYMENT_WEBHOOK_SECRETS,
  webhookToleranceSeconds: config.PAYMENT_WEBHOOK_TOLERANCE_SECONDS,
  now,
  fieldKeys,
});
await listenWithGracefulShutdown(app, lifecycle, { host: config.HOST, port: config.PORT });
