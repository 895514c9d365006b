/**
 * A bounded replay scope over Kafka topics: per partition, from a start (an offset, or the first
 * offset at or after a time) up to the end offset captured when the replay began. Events produced
 * during the replay are outside it, so the same scope read twice yields the same events.
 */
import { randomUUID } from 'node:crypto';
import { throwawayGroupPrefix, type KafkaTransport, type ReceivedMessage } from '@flash-sale/events';

export type ReplayStart = { offset: number } | { time: Date };

export interface PartitionScope {
  partition: number;
  /** First offset read (inclusive). */
  start: string;
  /** The high watermark at capture time (exclusive). */
  end: string;
  /** The requested start was already deleted by retention: the scope begins later than asked. */
  truncated: boolean;
}

export interface TopicScope {
  topic: string;
  partitions: PartitionScope[];
}

const max = (a: bigint, b: bigint) => (a > b ? a : b);
const min = (a: bigint, b: bigint) => (a < b ? a : b);

export async function captureScope(kafka: KafkaTransport, topics: readonly string[], from: ReplayStart): Promise<TopicScope[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const scopes: TopicScope[] = [];
    for (const topic of topics) {
      const offsets = await admin.fetchTopicOffsets(topic);
      // A time after the last record is answered with the high watermark: an empty range.
      const byTime =
        'time' in from
          ? new Map((await admin.fetchTopicOffsetsByTimestamp(topic, from.time.getTime())).map((p) => [p.partition, BigInt(p.offset)]))
          : undefined;
      const partitions = offsets
        .map(({ partition, low, high }): PartitionScope => {
          const requested = byTime ? (byTime.get(partition) ?? BigInt(high)) : BigInt((from as { offset: number }).offset);
          const start = min(max(requested, BigInt(low)), BigInt(high));
          return { partition, start: String(start), end: high, truncated: requested < BigInt(low) };
        })
        .sort((a, b) => a.partition - b.partition);
      scopes.push({ topic, partitions });
    }
    return scopes;
  } finally {
    await admin.disconnect();
  }
}

export type ScopedMessage = { topic: string; partition: number; message: ReceivedMessage };

/**
 * Reads every record of the scope once, through a throwaway consumer group (no real consumer's
 * position moves) that seeks each partition to the scope's start before its first fetch.
 */
export async function readScope(
  kafka: KafkaTransport,
  scopes: readonly TopicScope[],
  onMessage: (record: ScopedMessage) => void,
  options: { timeoutMs?: number } = {},
): Promise<void> {
  const bounds = new Map<string, { start: bigint; end: bigint }>();
  for (const scope of scopes) {
    for (const p of scope.partitions)
      if (BigInt(p.start) < BigInt(p.end)) bounds.set(`${scope.topic}/${p.partition}`, { start: BigInt(p.start), end: BigInt(p.end) });
  }
  if (bounds.size === 0) return;
  const pending = new Set(bounds.keys());
  // A record fetched again (a retried fetch, a rebalance) is the same record, not a duplicate event.
  const delivered = new Set<string>();
  const groupId = `${throwawayGroupPrefix.replay}${randomUUID()}`;
  const reader = kafka.reader({ groupId, maxWaitTimeInMs: 100 });
  try {
    await reader.connect();
    await reader.subscribe({ topics: scopes.map((scope) => scope.topic), fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`replay read timed out; partitions not read to their end: ${[...pending].join(', ')}`)),
        options.timeoutMs ?? 60_000,
      );
      reader
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const key = `${batch.topic}/${batch.partition}`;
            const bound = bounds.get(key);
            if (!bound) return;
            for (const message of batch.messages) {
              const offset = BigInt(message.offset);
              const position = `${key}@${message.offset}`;
              if (offset < bound.start || offset >= bound.end || delivered.has(position)) continue;
              delivered.add(position);
              onMessage({ topic: batch.topic, partition: batch.partition, message });
            }
            if (BigInt(batch.lastOffset()) >= bound.end - 1n) pending.delete(key);
            if (pending.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
      // Seeks are taken only once running; they apply before the partition's first fetch.
      for (const scope of scopes) {
        for (const p of scope.partitions)
          if (bounds.has(`${scope.topic}/${p.partition}`)) reader.seek({ topic: scope.topic, partition: p.partition, offset: p.start });
      }
    });
  } finally {
    await reader.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}
