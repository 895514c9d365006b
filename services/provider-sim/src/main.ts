// Composition root of the payment-provider simulator (port 3005).
// First: tracing (when OTEL_* asks for it) must hook the modules below before they evaluate.
import '@flash-sale/service-kit/tracing';
import { loadConfigOrExit } from '@flash-sale/config';
import { Lifecycle, createLogger, createMetricsRegistry, listenWithGracefulShutdown, logFormat } from '@flash-sale/service-kit';
import { buildSimulatorApp } from './app.ts';
import { simulatorConfigSchema } from './config.ts';

const config = loadConfigOrExit(simulatorConfigSchema);
const logger = createLogger({ service: 'provider-sim', level: config.LOG_LEVEL, format: logFormat(config) });
const lifecycle = new Lifecycle(logger);

const { app } = await buildSimulatorApp({
  trustProxy: config.TRUST_PROXY,
  logger,
  metrics: createMetricsRegistry('provider-sim'),
  publicUrl: config.PROVIDER_PUBLIC_URL,
  webhookUrl: config.PROVIDER_WEBHOOK_URL,
  webhookSecret: config.PROVIDER_WEBHOOK_SECRET,
  retry: { baseMs: config.PROVIDER_RETRY_BASE_MS, maxMs: config.PROVIDER_RETRY_MAX_MS, maxAttempts: config.PROVIDER_MAX_ATTEMPTS },
  autoCompleteMs: config.PROVIDER_AUTO_COMPLETE_MS,
  now: () => new Date(),
});
await listenWithGracefulShutdown(app, lifecycle, { host: config.HOST, port: config.PORT });
