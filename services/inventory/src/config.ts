import { common, refuseLocalOnlySecretsInProduction, z } from '@flash-sale/config';

/** The inventory service's whole configuration, parsed once in main.ts. */
export const inventoryConfigSchema = z
  .object({
    ...common.serviceProcess(3003),
    MYSQL_URL: common.MYSQL_URL,
    ...common.redisClient(),
    ...common.kafkaClient(),
    ...common.accessGuard(),
  })
  .superRefine(refuseLocalOnlySecretsInProduction);

export type InventoryConfig = z.output<typeof inventoryConfigSchema>;
