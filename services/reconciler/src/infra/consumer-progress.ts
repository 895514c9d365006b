/**
 * How far a service's consumer group has read a topic, as the broker records it. "The consumer
 * read past time T" means: on every partition, the group's committed offset is at or beyond the
 * first message stamped at or after T (or the end of the partition). Every message published
 * before T was then consumed: applied, skipped as a duplicate, or dead-lettered. A repair that acts
 * on what a consumer did NOT do asks this first, so a consumer that is merely down or behind is
 * never mistaken for one that refused.
 */
import type { KafkaTransport, TopicAdmin } from '@flash-sale/events';

export interface ConsumerProgress {
  /** True when `groupId` has consumed every message of `topic` published before `at`. */
  readPast(at: Date): Promise<boolean>;
  close(): Promise<void>;
}

export async function consumerProgress(kafka: KafkaTransport, groupId: string, topic: string): Promise<ConsumerProgress> {
  const admin: TopicAdmin = kafka.admin();
  await admin.connect();
  // Read once per use: a group only moves forward, so an older reading can only under-prove.
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const byPartition = new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
  return {
    async readPast(at) {
      const boundaries = await admin.fetchTopicOffsetsByTimestamp(topic, at.getTime());
      if (boundaries.length === 0) return false;
      // A partition the group never committed on reads as -1: nothing is proven there.
      return boundaries.every(({ partition, offset }) => (byPartition.get(partition) ?? -1n) >= BigInt(offset));
    },
    close: () => admin.disconnect(),
  };
}
