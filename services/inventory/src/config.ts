import { common, refuseLocalOnlySecretsInProduction, z } from '@flash-sale/config';

/** The inventory service's whole configuration, parsed once in main.ts. */
export const inventoryConfigSchema = z
  .object({
    NODE_ENV: common.NODE_ENV,
    LOG_LEVEL: common.LOG_LEVEL,
    LOG_FORMAT: common.LOG_FORMAT,
    HOST: common.HOST,
    PORT: common.port(3003),
    MYSQL_URL: common.MYSQL_URL,
    REDIS_URL: common.REDIS_URL,
    REDIS_CLUSTER_NODES: common.REDIS_CLUSTER_NODES,
    KAFKA_BROKERS: common.KAFKA_BROKERS,
    KAFKA_SASL_USERNAME: common.KAFKA_SASL_USERNAME,
    KAFKA_SASL_PASSWORD: common.KAFKA_SASL_PASSWORD,
    KAFKA_GROUP_ID_PREFIX: common.KAFKA_GROUP_ID_PREFIX,
    KAFKA_TOPIC_PREFIX: common.KAFKA_TOPIC_PREFIX,
    ...common.accessGuard(),
  })
  .superRefine(refuseLocalOnlySecretsInProduction);

export type InventoryConfig = z.output<typeof inventoryConfigSchema>;
