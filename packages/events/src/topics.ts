/**
 * Every Kafka topic the platform uses, declared once: name (`domain.entity.event.vN`), partition
 * count, and who produces and consumes it. The broker never auto-creates a topic; `ensureTopics`
 * creates these and only these. An isolated run (an end-to-end test) puts `KAFKA_TOPIC_PREFIX` in
 * front of every name; the declarations, the catalog and the outbox rows keep the bare names.
 */
import type { TopicAdmin } from './transport/topic-admin.ts';

export type ServiceName = 'order' | 'payment' | 'inventory' | 'reconciler';

export interface TopicDeclaration {
  name: string;
  partitions: number;
  producer: ServiceName;
  consumers: ServiceName[];
  /** Retention in ms; dead-letter and quarantine topics keep their entries longer. */
  retentionMs?: number;
}

const WEEK_MS = 7 * 24 * 3600 * 1000;

export const domainTopics: readonly TopicDeclaration[] = [
  { name: 'order.order.created.v1', partitions: 6, producer: 'order', consumers: ['inventory', 'payment'] },
  { name: 'order.order.cancelled.v1', partitions: 6, producer: 'order', consumers: ['inventory', 'payment'] },
  { name: 'order.order.expired.v1', partitions: 6, producer: 'order', consumers: ['inventory', 'payment'] },
  { name: 'order.order.refunded.v1', partitions: 6, producer: 'order', consumers: ['inventory'] },
  { name: 'inventory.stock.committed.v1', partitions: 6, producer: 'inventory', consumers: ['order'] },
  // No service consumes it today (the order consumer has no handler for it). A consumer that
  // starts reading it is listed here, and declares its reads in its contract.
  { name: 'inventory.stock.released.v1', partitions: 6, producer: 'inventory', consumers: [] },
  { name: 'payment.payment.completed.v1', partitions: 6, producer: 'payment', consumers: ['order'] },
  { name: 'payment.payment.failed.v1', partitions: 6, producer: 'payment', consumers: ['order'] },
  { name: 'payment.payment.refunded.v1', partitions: 6, producer: 'payment', consumers: ['order'] },
];

/** Each consuming service has a dead-letter and a quarantine topic of its own. */
export const deadLetterTopic = (consumer: ServiceName) => `${consumer}.consumer.dead-lettered.v1`;
export const quarantineTopic = (consumer: ServiceName) => `${consumer}.consumer.quarantined.v1`;

export function allTopics(): TopicDeclaration[] {
  const consumers = [...new Set(domainTopics.flatMap((topic) => topic.consumers))];
  return [
    ...domainTopics,
    ...consumers.flatMap((consumer): TopicDeclaration[] => [
      { name: deadLetterTopic(consumer), partitions: 1, producer: consumer, consumers: ['reconciler'], retentionMs: 4 * WEEK_MS },
      { name: quarantineTopic(consumer), partitions: 1, producer: consumer, consumers: ['reconciler'], retentionMs: 4 * WEEK_MS },
    ]),
  ];
}

/**
 * Creates missing topics, each named `prefix + declaration name` (`KAFKA_TOPIC_PREFIX`; empty: the
 * catalog's names); existing ones are left alone. Returns the names it created.
 */
export async function ensureTopics(admin: TopicAdmin, topics: readonly TopicDeclaration[] = allTopics(), prefix = ''): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.map((topic) => ({ ...topic, name: `${prefix}${topic.name}` })).filter((topic) => !existing.has(topic.name));
  if (missing.length === 0) return [];
  // One request per topic: a topic listed as missing may exist already (the broker asked lags behind
  // the controller, or another process created it meanwhile). kafkajs answers `false` for a create
  // that found it there, but for a request of several it cannot say which, so only one per request
  // tells which topics this call created.
  const createdHere = await Promise.all(
    missing.map((topic) =>
      admin.createTopics({
        // kafkajs's own leader wait fails on the broker's UNKNOWN_TOPIC_OR_PARTITION right after a
        // create (it retries only LEADER_NOT_AVAILABLE); `awaitTopicLeaders` polls metadata instead.
        waitForLeaders: false,
        topics: [
          {
            topic: topic.name,
            numPartitions: topic.partitions,
            replicationFactor: -1, // the broker's default: 1 locally, 3 on a real cluster
            configEntries: topic.retentionMs ? [{ name: 'retention.ms', value: String(topic.retentionMs) }] : [],
          },
        ],
      }),
    ),
  );
  await awaitTopicLeaders(
    admin,
    missing.map((topic) => topic.name),
  );
  return missing.filter((_, i) => createdHere[i]).map((topic) => topic.name);
}

/** Resolves once every partition of `topics` has a leader; throws after `timeoutMs`. */
export async function awaitTopicLeaders(admin: TopicAdmin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const metadata = await admin.fetchTopicMetadata({ topics });
      if (metadata.topics.every((topic) => topic.partitions.length > 0 && topic.partitions.every((partition) => partition.leader >= 0))) return;
    } catch (error) {
      if (Date.now() >= deadline) throw error;
    }
    if (Date.now() >= deadline) throw new Error(`topics ${topics.join(', ')} have no leaders after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
