import { common, z } from '@flash-sale/config';

/** The payment service's whole configuration, parsed once in main.ts. */
export const paymentConfigSchema = z.object({
  NODE_ENV: common.NODE_ENV,
  LOG_LEVEL: common.LOG_LEVEL,
  HOST: common.HOST,
  PORT: common.port(3002),
  MYSQL_URL: common.MYSQL_URL,
  REDIS_URL: common.REDIS_URL,
  KAFKA_BROKERS: common.KAFKA_BROKERS,
});

export type PaymentConfig = z.output<typeof paymentConfigSchema>;
