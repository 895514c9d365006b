/**
 * The dead-letter / quarantine entry: everything redrive needs to put the original message back
 * (topic, partition, offset, key, value, headers) plus why it failed (the error contract of
 * `errors.ts`) and how often it was tried. Key and value are base64 so a poison pill's bytes
 * survive exactly. What goes here and why: docs/eventing.md, "Dead letters and quarantine".
 */
import type { MessageHeaders, OutgoingMessage, ReceivedMessage } from '../transport/messages.ts';
import { z } from 'zod';
import { scrubOpenedValues } from '../crypto/field-encryption.ts';
import { decodeHeaders } from '../kafka-headers.ts';
import type { ErrorContract } from './errors.ts';

export type DeadLetterKind = 'dead-lettered' | 'quarantined';

export const deadLetterEntrySchema = z.object({
  kind: z.enum(['dead-lettered', 'quarantined']),
  consumer: z.string(),
  attempts: z.number().int().nonnegative(),
  error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()) }),
  original: z.object({
    topic: z.string(),
    partition: z.number().int(),
    offset: z.string(),
    timestamp: z.string(),
    key: z.string().nullable(),
    value: z.string().nullable(),
    headers: z.record(z.string(), z.string()),
  }),
  event: z.object({ id: z.string().optional(), type: z.string().optional() }),
  failed_at: z.string(),
});

export type DeadLetterEntry = z.infer<typeof deadLetterEntrySchema>;

export const DLQ_HEADER = {
  originalTopic: 'dlq-original-topic',
  originalPartition: 'dlq-original-partition',
  originalOffset: 'dlq-original-offset',
  attempts: 'dlq-attempts',
  errorCode: 'dlq-error-code',
  consumer: 'dlq-consumer',
} as const;

export interface FailedMessage {
  topic: string;
  partition: number;
  message: ReceivedMessage;
}

export function buildDeadLetterMessage(
  kind: DeadLetterKind,
  consumer: string,
  failed: FailedMessage,
  contract: ErrorContract,
  attempts: number,
  event: { id?: string; type?: string },
  now: Date,
): OutgoingMessage {
  const { message } = failed;
  // A reader's handler may have put a restricted value it was given opened into its error text.
  const error = scrubOpenedValues(message, contract.error);
  const entry: DeadLetterEntry = {
    kind,
    consumer,
    attempts,
    error,
    original: {
      topic: failed.topic,
      partition: failed.partition,
      offset: message.offset,
      timestamp: message.timestamp,
      key: message.key ? message.key.toString('base64') : null,
      value: message.value ? message.value.toString('base64') : null,
      headers: decodeHeaders(message.headers),
    },
    event,
    failed_at: now.toISOString(),
  };
  const headers: MessageHeaders = {
    ...message.headers,
    [DLQ_HEADER.originalTopic]: failed.topic,
    [DLQ_HEADER.originalPartition]: String(failed.partition),
    [DLQ_HEADER.originalOffset]: message.offset,
    [DLQ_HEADER.attempts]: String(attempts),
    [DLQ_HEADER.errorCode]: contract.error.code,
    [DLQ_HEADER.consumer]: consumer,
  };
  return { key: message.key ?? null, value: JSON.stringify(entry), headers };
}

export function parseDeadLetterEntry(value: Buffer | null): DeadLetterEntry {
  if (!value) throw new Error('dead-letter message has no value');
  return deadLetterEntrySchema.parse(JSON.parse(value.toString('utf8')));
}
