/**
 * A test's own Kafka: a transport signed in as the test's principal, uniquely named topics and
 * consumer groups, the topics deleted after the test.
 */
import { resolveServers, uniqueName, waitFor, type KafkaCredentials, type Teardown } from '@flash-sale/testkit';
import { createKafkaTransport, type KafkaTransport } from '../transport/kafka-transport.ts';
import type { TopicAdmin, TopicSpec } from '../transport/topic-admin.ts';

export interface TestKafka {
  kafka: KafkaTransport;
  brokers: string[];
  /** The SASL variables of the client's principal, for a process the test starts. */
  credentials: KafkaCredentials;
  /** Creates a uniquely named topic, deleted after the test. */
  createTopic: (options?: Partial<TopicSpec>) => Promise<string>;
  groupId: () => string;
}

export async function createTestKafka(teardown: Teardown): Promise<TestKafka> {
  const servers = await resolveServers();
  const kafka = createKafkaTransport(
    { KAFKA_BROKERS: servers.kafkaBrokers, ...servers.kafkaCredentials },
    { clientId: uniqueName('test'), logLevel: 'nothing' },
  );
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
    credentials: servers.kafkaCredentials,
    groupId: () => uniqueName('group'),
    createTopic: async (options = {}) => {
      const topic = options.topic ?? `test.${uniqueName('topic').replace('_', '.')}.v1`;
      // An admin of its own per topic: the client refreshes metadata for every topic an admin has
      // asked about, and on three brokers one that lags behind a create fails that refresh.
      const creator = kafka.admin();
      await creator.connect();
      try {
        await createTopicWithLeaders(creator, { numPartitions: 1, replicationFactor: -1, ...options, topic });
      } finally {
        await creator.disconnect();
      }
      created.push(topic);
      return topic;
    },
  };
}

async function createTopicWithLeaders(creator: TopicAdmin, spec: TopicSpec): Promise<void> {
  const { topic } = spec;
  // Not the client's waitForLeaders: it fails on UNKNOWN_TOPIC_OR_PARTITION right after a create.
  // The broker's default replication factor, as ensureTopics asks: 1 on the single stack, 3 on the
  // cluster topology, so a test's topic is replicated like the platform's own.
  await creator.createTopics({ topics: [spec], waitForLeaders: false });
  await waitFor(
    async () => {
      // Until the answering broker knows the topic it answers UNKNOWN_TOPIC_OR_PARTITION.
      const metadata = await creator.fetchTopicMetadata({ topics: [topic] });
      const partitions = metadata.topics[0]?.partitions ?? [];
      if (partitions.length === 0 || !partitions.every((p) => p.leader >= 0)) return false;
      // The broker that answered may know the topic before a partition's leader hosts it (a
      // first send then fails with "This server does not host this topic-partition").
      // Offsets are asked of each partition's leader and fail until it does.
      return (await creator.fetchTopicOffsets(topic)).length === partitions.length;
    },
    { what: `leaders of topic ${topic}`, timeoutMs: 30_000, intervalMs: 100 },
  );
}

/** A connected admin of a test's own, disconnected after the test (a service's readiness check). */
export async function connectTestKafkaAdmin(teardown: Teardown): Promise<TopicAdmin> {
  const { kafka } = await createTestKafka(teardown);
  const admin = kafka.admin();
  await admin.connect();
  teardown(() => admin.disconnect());
  return admin;
}
