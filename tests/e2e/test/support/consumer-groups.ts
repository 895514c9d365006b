/**
 * Commits a new consumer group's offsets at the current end of its topics, so the group's first
 * member starts there instead of replaying the topics' whole history (the services' consumers
 * subscribe from the beginning when their group has no offsets). It does what kafkajs'
 * `admin.setOffsets` does, for every topic at once and with a short fetch wait: `setOffsets`
 * spends a 5 s fetch per topic.
 */
import type { Admin, Kafka } from 'kafkajs';

export async function commitGroupAtTopicEnds(kafka: Kafka, admin: Admin, groupId: string, topics: readonly string[]): Promise<void> {
  const ends = new Map<string, Array<{ partition: number; offset: string }>>();
  for (const topic of topics) {
    ends.set(topic, (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => ({ partition, offset: high })));
  }
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  await consumer.connect();
  await consumer.subscribe({ topics: [...topics], fromBeginning: true });
  // Once a fetch came back after the seeks, stopping commits the sought offsets.
  await new Promise<void>((resolve, reject) => {
    consumer.on(consumer.events.FETCH, () => {
      consumer.stop().then(resolve, reject);
    });
    consumer.run({ eachBatchAutoResolve: false, eachBatch: async () => undefined }).catch(reject);
    consumer.pause(topics.map((topic) => ({ topic })));
    for (const [topic, partitions] of ends) for (const { partition, offset } of partitions) consumer.seek({ topic, partition, offset });
  });
  await consumer.disconnect();

  const committed = await admin.fetchOffsets({ groupId, topics: [...topics] });
  for (const { topic, partitions } of committed) {
    for (const { partition, offset } of partitions) {
      const end = ends.get(topic)?.find((p) => p.partition === partition)?.offset;
      // A partition can only have grown since: anything at or past the recorded end is fine.
      if (end === undefined || BigInt(offset) < BigInt(end)) throw new Error(`group ${groupId}: ${topic}[${partition}] committed at ${offset}, expected ${end ?? '?'}`);
    }
  }
}
