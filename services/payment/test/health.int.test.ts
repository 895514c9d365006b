import { platformMigrationsDir } from '@flash-sale/events';
import { createLogger, createMetricsRegistry } from '@flash-sale/service-kit';
import { connectTestKafkaAdmin } from '@flash-sale/events/testing';
import { serviceProbeSuite } from '@flash-sale/testkit';
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { createHttpPaymentProvider } from '../src/infra/payment-provider.client.ts';
import { createRefundDispatcher } from '../src/workers/refund-dispatcher.ts';

serviceProbeSuite(t, {
  connectKafkaAdmin: connectTestKafkaAdmin,
  service: 'payment',
  migrationsDirs: [platformMigrationsDir, new URL('../migrations', import.meta.url).pathname],
  build: ({ mysql, redis, kafkaAdmin }) => {
    // Probes only: the provider is never called, so it may point nowhere.
    const provider = createHttpPaymentProvider({ baseUrl: 'http://127.0.0.1:1', timeoutMs: 100 });
    const logger = createLogger({ service: 'payment', level: 'silent' });
    return buildApp({
      logger,
      metrics: createMetricsRegistry('payment'),
      mysql,
      redis,
      kafkaAdmin,
      provider,
      orders: { lookup: async () => ({ kind: 'unreachable', reason: 'probes only' }) },
      refunds: createRefundDispatcher({ pool: mysql, provider, logger, now: () => new Date() }),
      jwtSecret: 'test-jwt-secret-0123456789',
      webhookSecrets: ['test-webhook-secret-current'],
      webhookToleranceSeconds: 300,
      now: () => new Date(),
    });
  },
});
