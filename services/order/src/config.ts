import { common, refuseLocalOnlySecretsInProduction, z } from '@flash-sale/config';
import { eventEncryptionConfig } from '@flash-sale/events';

/** The order service's whole configuration, parsed once in main.ts. */
export const orderConfigSchema = z
  .object({
    ...common.serviceProcess(3001),
    MYSQL_URL: common.MYSQL_URL,
    ...common.redisClient(),
    ...common.kafkaClient(),
    ...common.accessGuard(),
    /** Group commit: most orders per transaction, and transactions in flight at once. */
    ORDER_BATCH_MAX: z.coerce.number().int().min(1).max(500).default(64),
    ORDER_BATCH_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
    /** How often the expiry sweep looks for pending orders past their deadline. */
    EXPIRY_SWEEP_EVERY_MS: z.coerce.number().int().min(100).default(5000),
    /** The payment service, asked before an order is expired whether it was paid meanwhile. */
    PAYMENT_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:3002'),
    /**
     * Redis with replicas (cluster topology): each reservation waits this long for a replica to have
     * it, else the hold is released and the buyer gets 503 (docs/adr/0009-redis-failover.md).
     * 0 leaves the wait off, for a Redis without replicas.
     */
    REDIS_REPLICA_ACK_TIMEOUT_MS: z.coerce.number().int().min(0).max(5000).default(0),
    /** The inventory service, asked whether a sale Redis does not know is armed (then it is being restored, not missing). */
    INVENTORY_URL: z.url({ protocol: /^https?$/ }).default('http://127.0.0.1:3003'),
    /** Open the provider's transaction id of payment.completed, which the order's history records (docs/eventing.md). */
    ...eventEncryptionConfig,
  })
  .superRefine(refuseLocalOnlySecretsInProduction);

export type OrderConfig = z.output<typeof orderConfigSchema>;
