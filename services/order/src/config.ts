import { common, z } from '@flash-sale/config';

/** The order service's whole configuration, parsed once in main.ts. */
export const orderConfigSchema = z.object({
  NODE_ENV: common.NODE_ENV,
  LOG_LEVEL: common.LOG_LEVEL,
  HOST: common.HOST,
  PORT: common.port(3001),
  MYSQL_URL: common.MYSQL_URL,
  REDIS_URL: common.REDIS_URL,
  KAFKA_BROKERS: common.KAFKA_BROKERS,
  KAFKA_GROUP_ID_PREFIX: common.KAFKA_GROUP_ID_PREFIX,
  KAFKA_TOPIC_PREFIX: common.KAFKA_TOPIC_PREFIX,
  JWT_SECRET: common.secret(),
  /** Requests per client per window on the order routes. */
  RATE_LIMIT_MAX: z.coerce.number().int().positive().default(50),
  RATE_LIMIT_WINDOW_MS: z.coerce.number().int().positive().default(1000),
  /** Group commit: most orders per transaction, and transactions in flight at once. */
  ORDER_BATCH_MAX: z.coerce.number().int().min(1).max(500).default(64),
  ORDER_BATCH_CONCURRENCY: z.coerce.number().int().min(1).max(32).default(4),
  /** How often the expiry sweep looks for pending orders past their deadline. */
  EXPIRY_SWEEP_EVERY_MS: z.coerce.number().int().min(100).default(5000),
});

export type OrderConfig = z.output<typeof orderConfigSchema>;
