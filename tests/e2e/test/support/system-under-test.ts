/**
 * The pieces every e2e test sets up around its service processes: a migrated uuid-named database
 * per schema, every declared Kafka topic under the test's prefix, readiness of the processes, and
 * a teardown that runs each clean-up even when one fails.
 */
import { allTopics, createKafkaTransport, ensureTopics, platformMigrationsDir } from '@flash-sale/events';
import { migrateDatabase } from '@flash-sale/migrate';
import { waitFor, type Servers } from '@flash-sale/testkit';
import mysql from 'mysql2/promise';
import { eventEncryptionKeys } from './event-keys.ts';
import { repoRoot, type ServiceProcess } from './service-process.ts';

export type Cleanup = () => Promise<void>;

/** `e2e_<schema>_<runId>` with platform tables plus the schema's own migrations; dropped by a clean-up. */
export async function migratedDatabase(adminUrl: string, schema: string, runId: string, cleanups: Cleanup[]): Promise<string> {
  const database = `e2e_${schema}_${runId}`;
  cleanups.push(async () => {
    const admin = await mysql.createConnection({ uri: adminUrl });
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await admin.end();
  });
  await migrateDatabase({ adminUrl, database, migrationsDirs: [platformMigrationsDir, `${repoRoot}services/${schema}/migrations`] });
  return database;
}

/**
 * What the service processes of one test share: each schema's database on the stack's server, the
 * test's Redis, the brokers, the test's topic and group prefixes, its signing secret and its event
 * keys (one set for every process, so what one seals another opens). `common(schema)` is a
 * process's environment before its own settings.
 */
export function serviceSettings(options: {
  servers: Pick<Servers, 'mysqlAdminUrl' | 'kafkaBrokers'>;
  databases: ReadonlyMap<string, string>;
  redisEnv: Record<string, string>;
  topicPrefix: string;
  groupPrefix: string;
  jwtSecret: string;
  logLevel: string;
}): { mysqlUrl: (schema: string) => string; common: (schema: string) => Record<string, string> } {
  const mysqlUrl = (schema: string) => {
    const database = options.databases.get(schema);
    if (!database) throw new Error(`no database for ${schema}: migrate it first (migratedDatabase)`);
    const url = new URL(options.servers.mysqlAdminUrl);
    url.pathname = `/${database}`;
    return url.toString();
  };
  const eventKeys = eventEncryptionKeys();
  const common = (schema: string) => ({
    MYSQL_URL: mysqlUrl(schema),
    ...options.redisEnv,
    KAFKA_BROKERS: options.servers.kafkaBrokers.join(','),
    KAFKA_GROUP_ID_PREFIX: options.groupPrefix,
    KAFKA_TOPIC_PREFIX: options.topicPrefix,
    JWT_SECRET: options.jwtSecret,
    ...eventKeys,
    LOG_LEVEL: options.logLevel,
  });
  return { mysqlUrl, common };
}

/**
 * Every declared topic under `topicPrefix`, created now; a clean-up deletes them and the consumer
 * groups `<groupPrefix><group>`. Both start empty, so the groups read from the beginning and see
 * only this test's events.
 */
export async function ownTopics(
  options: { servers: Pick<Servers, 'kafkaBrokers' | 'kafkaCredentials'>; runId: string; topicPrefix: string; groupPrefix: string; groups: readonly string[] },
  cleanups: Cleanup[],
): Promise<void> {
  const kafka = createKafkaTransport(
    { KAFKA_BROKERS: options.servers.kafkaBrokers, ...options.servers.kafkaCredentials },
    { clientId: `e2e-${options.runId}` },
  );
  const admin = kafka.admin();
  await admin.connect();
  const topics = allTopics().map((topic) => `${options.topicPrefix}${topic.name}`);
  cleanups.push(async () => {
    await admin.deleteGroups(options.groups.map((name) => `${options.groupPrefix}${name}`)).catch(() => undefined);
    await admin.deleteTopics({ topics, timeout: 10_000 }).catch(() => undefined);
    await admin.disconnect();
  });
  await ensureTopics(admin, allTopics(), options.topicPrefix);
}

/**
 * Waits for each process's probe to answer 200. A process that exits fails at once; either failure
 * carries the tail of that process's output, printed too, as tap shows only an error's first line.
 * The budget is generous: on a shared two-core machine a service's start can take a minute.
 */
export async function waitUntilReady(
  processes: ReadonlyMap<string, ServiceProcess>,
  probe: (name: string) => string = () => '/health/ready',
  timeoutMs = 90_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const [name, running] of processes) {
    const failure = await waitFor(
      async () => {
        const ended = running.ended();
        if (ended) return `${name} ended (${ended}) before it was ready`;
        return (await fetch(`${running.url}${probe(name)}`)).ok ? 'ready' : undefined;
      },
      { timeoutMs: Math.max(deadline - Date.now(), 1000), intervalMs: 200, what: `${name} ready` },
    ).then(
      (outcome) => (outcome === 'ready' ? undefined : outcome),
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    if (failure) {
      const message = `${failure}\n--- last output of ${name}\n${running.tail()}`;
      console.error(message);
      throw new Error(message);
    }
  }
}

/** Runs every clean-up in order; one that fails is reported and the rest still run. */
export async function runCleanups(cleanups: readonly Cleanup[]): Promise<void> {
  for (const cleanup of cleanups) {
    try {
      await cleanup();
    } catch (error) {
      console.error('e2e cleanup failed:', error);
    }
  }
}
