/**
 * Each test owns its data: a uuid-named database, a Redis key prefix, a Kafka topic and consumer
 * group, all removed after the test.
 */
import { randomUUID } from 'node:crypto';
import { migrateDatabase } from '@flash-sale/migrate';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type ITopicConfig } from 'kafkajs';
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
  const pool = mysql.createPool({ uri: url.toString(), connectionLimit: 20, timezone: 'Z', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
  teardown(async () => {
    await pool.end();
    const admin = await mysql.createConnection({ uri: servers.mysqlAdminUrl });
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
  });
  return { name, url: url.toString(), pool };
}

export interface TestRedis {
  redis: Redis;
  /** Every key a test writes starts with this; removed after the test. */
  prefix: string;
  url: string;
}

export async function createTestRedis(teardown: Teardown): Promise<TestRedis> {
  const servers = await resolveServers();
  const prefix = `${uniqueName('t')}:`;
  const redis = new Redis(servers.redisUrl, { enableAutoPipelining: true, maxRetriesPerRequest: 3 });
  teardown(async () => {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  });
  return { redis, prefix, url: servers.redisUrl };
}

export interface TestKafka {
  kafka: Kafka;
  brokers: string[];
  /** Creates a uniquely named topic, deleted after the test. */
  createTopic: (options?: Partial<ITopicConfig>) => Promise<string>;
  groupId: () => string;
}

export async function createTestKafka(teardown: Teardown): Promise<TestKafka> {
  const servers = await resolveServers();
  const kafka = new Kafka({ clientId: uniqueName('test'), brokers: servers.kafkaBrokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const created: string[] = [];
  teardown(async () => {
    if (created.length > 0) await admin.deleteTopics({ topics: created, timeout: 10000 }).catch(() => undefined);
    await admin.disconnect();
  });
  return {
    kafka,
    brokers: servers.kafkaBrokers,
    groupId: () => uniqueName('group'),
    createTopic: async (options = {}) => {
      const topic = options.topic ?? `test.${uniqueName('topic').replace('_', '.')}.v1`;
      // Not kafkajs's waitForLeaders: it fails on UNKNOWN_TOPIC_OR_PARTITION right after a create.
      // The broker's default replication factor, as ensureTopics asks: 1 on the single stack, 3 on
      // the cluster topology, so a test's topic is replicated like the platform's own.
      await admin.createTopics({ topics: [{ numPartitions: 1, replicationFactor: -1, ...options, topic }], waitForLeaders: false });
      await waitFor(
        async () => {
          const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
          return metadata.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
        },
        { what: `leaders of topic ${topic}`, timeoutMs: 30_000, intervalMs: 100 },
      );
      created.push(topic);
      return topic;
    },
  };
}
