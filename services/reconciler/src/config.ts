import { common, refuseLocalOnlySecretsInProduction, z } from '@flash-sale/config';

const ms = (fallback: number) => z.coerce.number().int().min(0).default(fallback);
const schemaName = (fallback: string) =>
  z
    .string()
    .regex(/^[A-Za-z0-9_]+$/)
    .default(fallback);
const serviceDatabaseUrl = common.MYSQL_URL.optional();

/** `base` (a mysql:// URL) pointed at another database on the same server, same credentials. */
const withDatabase = (base: string, database: string): string => {
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
};

/** The reconciler's whole configuration, parsed once in main.ts and the CLIs. */
export const reconcilerConfigSchema = z
  .object({
    ...common.serviceProcess(3004),
    /** The reconciler's own schema (runs, replay evidence). */
    MYSQL_URL: common.MYSQL_URL,
    /**
     * One connection per service database, each only ever used for that service's tables (ADR 0010).
     * Unset: today's single server, `MYSQL_URL`'s user and host with the `*_SCHEMA` database.
     */
    RECONCILER_ORDER_MYSQL_URL: serviceDatabaseUrl,
    RECONCILER_PAYMENT_MYSQL_URL: serviceDatabaseUrl,
    RECONCILER_INVENTORY_MYSQL_URL: serviceDatabaseUrl,
    ...common.redisClient(),
    /** KAFKA_GROUP_ID_PREFIX is the services' consumer group prefix here (their groups are `<prefix><service>`). */
    ...common.kafkaClient(),
    ...common.accessGuard(),
    /** Only used to derive the service URLs above when they are not set. */
    ORDER_SCHEMA: schemaName('order_service'),
    PAYMENT_SCHEMA: schemaName('payment_service'),
    INVENTORY_SCHEMA: schemaName('inventory_service'),
    /** The repair thresholds (docs/consistency.md, "Thresholds"); see `application/jobs/job.ts` for what each means. */
    PAID_PENDING_AFTER_MS: ms(5 * 60_000),
    OUTBOX_STUCK_AFTER_MS: ms(10 * 60_000),
    EXPIRY_GRACE_MS: ms(60_000),
    ORPHAN_HOLD_GRACE_MS: ms(2 * 60_000),
    STOCK_RETURN_GRACE_MS: ms(2 * 60_000),
    /** How often each scheduled job runs (the daily Redis rebuild keeps its own schedule). */
    RECONCILE_EVERY_MS: z.coerce.number().int().min(1000).default(60_000),
    /** How often armed live sales are checked for lost Redis keys (then rebuilt without an operator). */
    SALE_LOSS_DETECT_EVERY_MS: z.coerce.number().int().min(500).default(3000),
    /** Set to false to serve the ops API without running the schedules (e.g. a second replica for ops). */
    SCHEDULES_ENABLED: z
      .enum(['true', 'false'])
      .default('true')
      .transform((value) => value === 'true'),
  })
  .superRefine(refuseLocalOnlySecretsInProduction)
  .transform((config) => ({
    ...config,
    RECONCILER_ORDER_MYSQL_URL: config.RECONCILER_ORDER_MYSQL_URL ?? withDatabase(config.MYSQL_URL, config.ORDER_SCHEMA),
    RECONCILER_PAYMENT_MYSQL_URL: config.RECONCILER_PAYMENT_MYSQL_URL ?? withDatabase(config.MYSQL_URL, config.PAYMENT_SCHEMA),
    RECONCILER_INVENTORY_MYSQL_URL: config.RECONCILER_INVENTORY_MYSQL_URL ?? withDatabase(config.MYSQL_URL, config.INVENTORY_SCHEMA),
  }));

export type ReconcilerConfig = z.output<typeof reconcilerConfigSchema>;
