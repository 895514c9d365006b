/**
 * Each test owns its data: a uuid-named database and a Redis key prefix, removed after the test.
 * A test's Kafka (its own topics and consumer groups) is `createTestKafka` of
 * @flash-sale/events/testing, the one package that imports the Kafka client.
 */
import { randomUUID } from 'node:crypto';
import { migrateDatabase } from '@flash-sale/migrate';
import { createRedis, type RedisClient, type RedisClientOptions, type RedisTarget } from '@flash-sale/service-kit';
import { Cluster } from 'ioredis';
import mysql from 'mysql2/promise';
import { resolveServers } from './servers.ts';
import { waitFor } from './wait-for.ts';

/** Registers cleanup; tap's `t.teardown` fits, as does node:test's `t.after`. */
export type Teardown = (fn: () => Promise<void> | void) => void;

export const uniqueName = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 16)}`;

export interface TestDatabase {
  name: string;
  /** Connects as the admin user to the test database. */
  url: string;
  pool: mysql.Pool;
}

export async function createTestDatabase(teardown: Teardown, options: { migrationsDirs?: string[]; prefix?: string } = {}): Promise<TestDatabase> {
  const servers = await resolveServers();
  const name = uniqueName(options.prefix ?? 't');
  if (options.migrationsDirs) {
    await migrateDatabase({ adminUrl: servers.mysqlAdminUrl, database: name, migrationsDirs: options.migrationsDirs });
  } else {
    const admin = await mysql.createConnection({ uri: servers.mysqlAdminUrl });
    await admin.query(`CREATE DATABASE \`${name}\``);
    await admin.end();
  }
  const url = new URL(servers.mysqlAdminUrl);
  url.pathname = `/${name}`;
  const pool = mysql.createPool({
    uri: url.toString(),
    connectionLimit: 20,
    timezone: 'Z',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  teardown(async () => {
    await pool.end();
    const admin = await mysql.createConnection({ uri: servers.mysqlAdminUrl });
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
  });
  return { name, url: url.toString(), pool };
}

export interface TestRedis {
  /**
   * One server, or a cluster client when `REDIS_CLUSTER_NODES` names a Redis Cluster (the cluster
   * topology of `infra/local`): the same client the services build from that configuration.
   */
  redis: RedisClient;
  /** Every key a test writes starts with this (free of braces); removed after the test. */
  prefix: string;
  url: string;
  /** What a process's config would hold: `REDIS_URL`, and `REDIS_CLUSTER_NODES` on a cluster. */
  target: RedisTarget;
  /**
   * Another connection to the same Redis, closed after the test (teardowns registered later run
   * first). BullMQ wants one of its own: `{ maxRetriesPerRequest: null, enableAutoPipelining: false }`.
   */
  connection: (options?: RedisClientOptions) => RedisClient;
}

/**
 * Every key matching a SCAN pattern, from every master of a cluster (SCAN and KEYS see one node
 * only there, so a test asking one would pass on what it did not see).
 */
export async function matchingKeys(redis: RedisClient, pattern: string): Promise<string[]> {
  const found: string[] = [];
  for (const node of redis instanceof Cluster ? redis.nodes('master') : [redis]) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...keys);
    } while (cursor !== '0');
  }
  return found;
}

/** Deletes every key matching a SCAN pattern (what a wipe does, limited to a pattern); how many. */
export async function deleteMatchingKeys(redis: RedisClient, pattern: string): Promise<number> {
  const keys = await matchingKeys(redis, pattern);
  // One command per key: keys of different slots cannot share a DEL on a cluster.
  await Promise.all(keys.map((key) => redis.unlink(key)));
  return keys.length;
}

/** The nodes `REDIS_CLUSTER_NODES` names (`host:port,…`); none when it is unset or empty. */
export const clusterNodesOf = (env: NodeJS.ProcessEnv): string[] =>
  (env.REDIS_CLUSTER_NODES ?? '')
    .split(',')
    .map((node) => node.trim())
    .filter(Boolean);

/**
 * A client on `target` (the one the services build from that configuration) and a uuid key prefix
 * for one test. The teardown deletes the test's keys and closes every connection made here.
 */
export async function prefixedTestRedis(teardown: Teardown, target: RedisTarget): Promise<Omit<TestRedis, 'url'>> {
  const prefix = `${uniqueName('t')}:`;
  const redis = createRedis(target);
  teardown(async () => {
    await deleteMatchingKeys(redis, `*${prefix}*`);
    redis.disconnect();
  });
  if (redis instanceof Cluster) await waitFor(async () => redis.status === 'ready', { what: 'the cluster client ready', timeoutMs: 10_000, intervalMs: 20 });
  const connection = (options: RedisClientOptions = {}) => {
    const client = createRedis(target, options);
    teardown(() => client.disconnect());
    return client;
  };
  return { redis, prefix, target, connection };
}

/** A Redis connection and a uuid key prefix for one test, on the topology the environment names. */
export async function createTestRedis(teardown: Teardown, env: NodeJS.ProcessEnv = process.env): Promise<TestRedis> {
  const servers = await resolveServers();
  const nodes = clusterNodesOf(env);
  const target: RedisTarget = nodes.length > 0 ? { REDIS_URL: servers.redisUrl, REDIS_CLUSTER_NODES: nodes } : { REDIS_URL: servers.redisUrl };
  return { ...(await prefixedTestRedis(teardown, target)), url: servers.redisUrl };
}
