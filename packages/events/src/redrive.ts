/**
 * Redrive: read a consumer's dead-letter or quarantine topic and republish chosen entries to
 * their original topic with their original key, value and headers. The event keeps its id, and a
 * dead-lettered event never committed its dedupe row, so the consumer handles it like new.
 * Kafka topics are append-only: a redriven entry stays listed, tagged by the redrive headers of the
 * copy it produced (`redriven-from-*`), so the trail is visible on both sides.
 */
import { randomUUID } from 'node:crypto';
import type { KafkaTransport } from './transport/kafka-transport.ts';
import type { MessageHeaders } from './transport/messages.ts';
import { throwawayGroupPrefix } from './kafka-acls.ts';
import { parseDeadLetterEntry, type DeadLetterEntry } from './consumer/dead-letter.ts';

export interface DeadLetterRecord {
  /** Where the entry sits in the dead-letter / quarantine topic. */
  partition: number;
  offset: string;
  entry: DeadLetterEntry;
}

export const REDRIVE_HEADER = {
  fromTopic: 'redriven-from-topic',
  fromOffset: 'redriven-from-offset',
  at: 'redriven-at',
} as const;

/** Every entry currently in `topic`, read from the start to the end it had when called. */
export async function readDeadLetters(kafka: KafkaTransport, topic: string, options: { timeoutMs?: number } = {}): Promise<DeadLetterRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    ends = new Map(
      offsets.filter((partition) => BigInt(partition.high) > BigInt(partition.low)).map((partition) => [partition.partition, BigInt(partition.high)]),
    );
  } finally {
    await admin.disconnect();
  }
  if (ends.size === 0) return [];

  // A throwaway group: reading must not move any real consumer's offsets.
  const groupId = `${throwawayGroupPrefix.redrive}${randomUUID()}`;
  const reader = kafka.reader({ groupId, maxWaitTimeInMs: 250 });
  const records: DeadLetterRecord[] = [];
  await reader.connect();
  try {
    await reader.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out reading ${topic}`)), options.timeoutMs ?? 30_000);
      const pending = new Set(ends.keys());
      reader
        .run({
          eachMessage: async ({ partition, message }) => {
            const end = ends.get(partition);
            if (end === undefined || BigInt(message.offset) >= end) return;
            records.push({ partition, offset: message.offset, entry: parseDeadLetterEntry(message.value) });
            if (BigInt(message.offset) === end - 1n) pending.delete(partition);
            if (pending.size === 0) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await reader.disconnect();
    const admin2 = kafka.admin();
    await admin2.connect();
    await admin2.deleteGroups([groupId]).catch(() => undefined);
    await admin2.disconnect();
  }
  return records.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

/** Republishes the records to their original topics; returns how many were sent. */
export async function redrive(kafka: KafkaTransport, sourceTopic: string, records: readonly DeadLetterRecord[], now: Date = new Date()): Promise<number> {
  if (records.length === 0) return 0;
  // Each redriven record is acknowledged by its partition before the next goes (see the module).
  const producer = kafka.publisher();
  await producer.connect();
  try {
    // In entry order, so events of one aggregate go back in the order they failed.
    for (const { offset, entry } of records) {
      const headers: MessageHeaders = {
        ...entry.original.headers,
        [REDRIVE_HEADER.fromTopic]: sourceTopic,
        [REDRIVE_HEADER.fromOffset]: offset,
        [REDRIVE_HEADER.at]: now.toISOString(),
      };
      await producer.send({
        topic: entry.original.topic,
        acks: -1,
        messages: [
          {
            key: entry.original.key === null ? null : Buffer.from(entry.original.key, 'base64'),
            value: entry.original.value === null ? null : Buffer.from(entry.original.value, 'base64'),
            headers,
          },
        ],
      });
    }
  } finally {
    await producer.disconnect();
  }
  return records.length;
}

/** Picks records by their offsets in the dead-letter topic (`'all'` for every one). */
export function selectRecords(records: readonly DeadLetterRecord[], selection: 'all' | readonly string[]): DeadLetterRecord[] {
  if (selection === 'all') return [...records];
  const wanted = new Set(selection);
  const chosen = records.filter((record) => wanted.has(record.offset));
  const missing = [...wanted].filter((offset) => !chosen.some((record) => record.offset === offset));
  if (missing.length > 0) throw new Error(`no entry at offset ${missing.join(', ')}`);
  return chosen;
}
