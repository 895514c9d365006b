import { common, refuseLocalOnlySecretsInProduction, z } from '@flash-sale/config';
import { eventEncryptionConfig } from '@flash-sale/events';

/** The payment service's whole configuration, parsed once in main.ts. */
export const paymentConfigSchema = z
  .object({
    ...common.serviceProcess(3002),
    MYSQL_URL: common.MYSQL_URL,
    ...common.redisClient(),
    ...common.kafkaClient(),
    ...common.accessGuard(),
    /** Webhook deliveries per provider address per window (the provider retries on 429). */
    WEBHOOK_RATE_LIMIT_MAX: common.rateLimitMax(),
    WEBHOOK_RATE_LIMIT_WINDOW_MS: common.rateLimitWindowMs(),
    /** The order service, asked about an order the Kafka-fed view has not seen yet. */
    ORDER_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:3001'),
    PAYMENT_PROVIDER_URL: z.url({ protocol: /^https?$/ }),
    PAYMENT_PROVIDER_TIMEOUT_MS: z.coerce.number().int().min(100).max(60000).default(5000),
    /** Comma-separated; every listed secret is accepted, so a rotation adds the new one first and drops the old one later. */
    PAYMENT_WEBHOOK_SECRETS: z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((secret) => secret.trim())
          .filter(Boolean),
      )
      .pipe(z.array(common.secret()).min(1, 'needs at least one secret')),
    PAYMENT_WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().min(1).max(3600).default(300),
    REFUND_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(5000),
    /** How often the sweep looks for PENDING payments whose webhook has not arrived and asks the provider. */
    PAYMENT_STATUS_SWEEP_INTERVAL_MS: z.coerce.number().int().min(100).default(30000),
    /** A PENDING payment is polled once it is this old, and then at most once per this period. */
    PAYMENT_STATUS_POLL_AFTER_MS: z.coerce.number().int().min(0).default(120000),
    /** Seal the provider's transaction id in payment.completed (docs/eventing.md, "Classification"). */
    ...eventEncryptionConfig,
  })
  .superRefine(refuseLocalOnlySecretsInProduction);

export type PaymentConfig = z.output<typeof paymentConfigSchema>;
