/**
 * Process configuration: one zod schema per process, parsed once at start. A bad or missing value
 * stops the process with a message naming every offending variable, never a stack trace.
 */
import { isIP } from 'node:net';
import { z } from 'zod';

export class ConfigError extends Error {
  readonly issues: readonly string[];
  constructor(issues: readonly string[]) {
    super(`invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export function parseConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv | Record<string, string | undefined>): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`));
}

/** Parses or exits: for `main.ts` only, where a readable line beats an exception. */
export function loadConfigOrExit<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv = process.env): z.output<S> {
  try {
    return parseConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

const url = (protocols: readonly string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    `must be a URL with scheme ${protocols.join(' or ')}`,
  );

/** `NAME=` (as compose files and env files write an unset optional value) means unset. */
const unsetWhenEmpty = <S extends z.ZodType>(schema: S) => z.preprocess((value) => (value === '' ? undefined : value), schema);

/** fastify's `trustProxy`: none, every hop, or the proxies' addresses and CIDR ranges. */
export type TrustProxy = boolean | string[];

const isAddressOrRange = (entry: string) => {
  const [address = '', bits, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (bits === undefined) return true;
  const size = Number(bits);
  return /^\d{1,3}$/.test(bits) && size <= (family === 4 ? 32 : 128);
};

/** `false` or unset: none; `true`: every hop (only behind a proxy that overwrites the header); otherwise addresses and CIDRs, comma-separated. */
const trustProxy = z
  .string()
  .optional()
  .transform((value, context): TrustProxy => {
    const text = value?.trim() ?? '';
    if (text === '' || text === 'false') return false;
    if (text === 'true') return true;
    const entries = text
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean);
    const wrong = entries.filter((entry) => !isAddressOrRange(entry));
    if (wrong.length > 0)
      context.addIssue({ code: 'custom', message: `must be true, false, or the proxies' addresses and CIDR ranges; not ${wrong.join(', ')}` });
    return entries;
  });

/** Fragments shared by every service's schema; each service composes its own. */
export const common = {
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Unset: pretty lines in development, JSON otherwise (service-kit's logFormat). */
  LOG_FORMAT: unsetWhenEmpty(z.enum(['json', 'pretty']).optional()),
  HOST: z.string().min(1).default('127.0.0.1'),
  /**
   * The proxies in front of the process whose `X-Forwarded-For` names the client, so a budget per
   * address charges the shopper and not the load balancer all shoppers come through (fastify's
   * `trustProxy`). Unset: none, the socket's peer is the client; name only proxies you run.
   */
  TRUST_PROXY: trustProxy,
  TENANT_DEFAULT: z.string().min(1).default('t1'),
  MYSQL_URL: url(['mysql:']),
  REDIS_URL: url(['redis:', 'rediss:']),
  /**
   * Seed nodes of a Redis Cluster (`host:port[,host:port…]`). Set, the process connects to the
   * cluster and `REDIS_URL` only lends its credentials and TLS; unset or empty, `REDIS_URL` is the server.
   */
  REDIS_CLUSTER_NODES: unsetWhenEmpty(
    z
      .string()
      .transform((value) =>
        value
          .split(',')
          .map((node) => node.trim())
          .filter(Boolean),
      )
      .refine((nodes) => nodes.length > 0 && nodes.every((n) => /^[^:\s]+:\d+$/.test(n)), 'must be host:port[,host:port…]')
      .optional(),
  ),
  KAFKA_BROKERS: z
    .string()
    .min(1)
    .transform((value) =>
      value
        .split(',')
        .map((broker) => broker.trim())
        .filter(Boolean),
    )
    .refine((brokers) => brokers.length > 0 && brokers.every((b) => /^[^:\s]+:\d+$/.test(b)), 'must be host:port[,host:port…]'),
  /**
   * The process's Kafka principal (SASL/SCRAM-SHA-512): each service has its own, and the brokers
   * allow it only what the event catalog grants it (docs/adr/0013-kafka-principals.md). Both or
   * neither; unset, the client connects without authentication (a broker that requires none).
   */
  KAFKA_SASL_USERNAME: unsetWhenEmpty(z.string().min(1).optional()),
  KAFKA_SASL_PASSWORD: unsetWhenEmpty(z.string().min(1).optional()),
  /** Prepended to each consumer's group id, so an isolated run (an end-to-end test) never shares partitions with another. */
  KAFKA_GROUP_ID_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" or "-" only')
    .default(''),
  /**
   * Prepended to every Kafka topic the process publishes to, subscribes to or watches (outbox relay,
   * consumers, dead-letter and quarantine topics, reconciler), so an isolated run owns its topics.
   * Empty by default: the catalog's names. Outbox rows keep the unprefixed name.
   */
  KAFKA_TOPIC_PREFIX: z
    .string()
    .max(64, 'at most 64 characters')
    .regex(/^[A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" or "-" only')
    .refine((value) => value === '' || /[.-]$/.test(value), 'must end with "." or "-"')
    .default(''),
  port: (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback),
  /** A secret has no default: production must supply it. */
  secret: () => z.string().min(16, 'must be at least 16 characters'),
  /** When set, bearer tokens must carry this `iss`; tokens the process signs carry it. */
  JWT_ISSUER: unsetWhenEmpty(z.string().min(1).optional()),
  /** When set, bearer tokens must name this `aud`; tokens the process signs carry it. */
  JWT_AUDIENCE: unsetWhenEmpty(z.string().min(1).optional()),
  /**
   * A request budget (`max` per `windowMs`). Optional: unset, the service uses service-kit's
   * `defaultRateLimits`, so the defaults live in one place.
   */
  rateLimitMax: () => unsetWhenEmpty(z.coerce.number().int().positive().optional()),
  rateLimitWindowMs: () => unsetWhenEmpty(z.coerce.number().int().min(100).max(3_600_000).optional()),
  /** What every service process reads first: environment, logging, where it listens and who stands in front of it. */
  serviceProcess: (defaultPort: number) => ({
    NODE_ENV: common.NODE_ENV,
    LOG_LEVEL: common.LOG_LEVEL,
    LOG_FORMAT: common.LOG_FORMAT,
    HOST: common.HOST,
    PORT: common.port(defaultPort),
    TRUST_PROXY: common.TRUST_PROXY,
  }),
  /** A Redis client: one address, or a cluster's seed nodes (which win when set). */
  redisClient: () => ({
    REDIS_URL: common.REDIS_URL,
    REDIS_CLUSTER_NODES: common.REDIS_CLUSTER_NODES,
  }),
  /** A Kafka client: the brokers, the principal it signs in as, and the prefixes of its topics and groups. */
  kafkaClient: () => ({
    KAFKA_BROKERS: common.KAFKA_BROKERS,
    KAFKA_SASL_USERNAME: common.KAFKA_SASL_USERNAME,
    KAFKA_SASL_PASSWORD: common.KAFKA_SASL_PASSWORD,
    KAFKA_GROUP_ID_PREFIX: common.KAFKA_GROUP_ID_PREFIX,
    KAFKA_TOPIC_PREFIX: common.KAFKA_TOPIC_PREFIX,
  }),
  /**
   * What every service checks of its callers (ADR 0007), spread into its schema: the token's
   * secret and optional issuer and audience, and the request budgets per verified caller and per
   * address without a valid token.
   */
  accessGuard: () => ({
    JWT_SECRET: common.secret(),
    JWT_ISSUER: common.JWT_ISSUER,
    JWT_AUDIENCE: common.JWT_AUDIENCE,
    /** Requests per verified caller (tenant + user) per window; unset: service-kit's defaults. */
    RATE_LIMIT_MAX: common.rateLimitMax(),
    RATE_LIMIT_WINDOW_MS: common.rateLimitWindowMs(),
    /** Requests per client address per window without a valid token (missing, forged, expired). */
    RATE_LIMIT_UNAUTHENTICATED_MAX: common.rateLimitMax(),
    RATE_LIMIT_UNAUTHENTICATED_WINDOW_MS: common.rateLimitWindowMs(),
  }),
};

/** Marks the secrets committed for local runs (`.env.example`, `infra/local/env.sh`). */
export const LOCAL_ONLY_MARKER = 'local-only';

const valuesOf = (value: unknown): string[] => (typeof value === 'string' ? [value] : Array.isArray(value) ? value.flatMap(valuesOf) : []);

/**
 * A service schema's refinement: with `NODE_ENV=production`, no value may contain `local-only`.
 * Every value is looked at, not only the secret fields, because a password inside `MYSQL_URL`
 * is a secret too.
 */
export function refuseLocalOnlySecretsInProduction(config: Record<string, unknown>, ctx: z.RefinementCtx): void {
  if (config.NODE_ENV !== 'production') return;
  for (const [name, value] of Object.entries(config)) {
    if (valuesOf(value).some((text) => text.includes(LOCAL_ONLY_MARKER))) {
      ctx.addIssue({ code: 'custom', path: [name], message: `holds a ${LOCAL_ONLY_MARKER} value, which is refused when NODE_ENV=production` });
    }
  }
}

export { z };
