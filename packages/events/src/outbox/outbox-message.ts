/**
 * The Kafka message an outbox row becomes: key = partition key, value = the envelope as stored,
 * headers = event id, type, correlation id, tenant and W3C traceparent. One definition, used by the
 * relay and by anything else that publishes outbox rows (the reconciler's stuck-outbox repair), so
 * consumers see the same message whoever sent it.
 */
import type { OutgoingMessage } from '../transport/messages.ts';
import type { RowDataPacket } from 'mysql2/promise';
import { HEADER } from '../kafka-headers.ts';
import { messagingSpan, startMessagingSpans, traceparentFor } from '../trace-context.ts';

export interface OutboxRecord extends RowDataPacket {
  id: string;
  event_id: string;
  event_type: string;
  topic: string;
  partition_key: string;
  tenant_id: string;
  envelope: string;
  headers: string | null;
}

export function outboxMessage(row: OutboxRecord): OutgoingMessage {
  const envelope = JSON.parse(row.envelope) as { correlation_id: string; trace_id: string };
  const recorded = row.headers ? (JSON.parse(row.headers) as { traceparent?: string }) : {};
  return {
    key: row.partition_key,
    value: row.envelope,
    headers: {
      [HEADER.eventId]: row.event_id,
      [HEADER.eventType]: row.event_type,
      [HEADER.correlationId]: envelope.correlation_id,
      [HEADER.tenantId]: row.tenant_id,
      [HEADER.traceparent]: traceparentFor(recorded.traceparent, envelope.trace_id),
    },
  };
}

/**
 * The messages of `rows` for one send to `topic`, each in a `publish <topic>` span, child of the
 * traceparent the row recorded, whose own traceparent the message carries instead: the consumer's
 * span then hangs under the publish, and the publish under the request that wrote the row. Without
 * an OpenTelemetry SDK the messages are exactly `outboxMessage`'s. `end` closes the spans once the
 * send is done (with its error, if it failed).
 */
export function tracedOutboxMessages(topic: string, rows: readonly OutboxRecord[]): { messages: OutgoingMessage[]; end: (error?: unknown) => void } {
  const messages = rows.map(outboxMessage);
  const spans = startMessagingSpans(
    'publish',
    rows.map((row, index) => ({
      traceparent: messages[index]?.headers?.[HEADER.traceparent] as string | undefined,
      described: messagingSpan('publish', topic, { type: row.event_type, id: row.event_id }, { 'outbox.id': String(row.id) }),
    })),
  );
  messages.forEach((message, index) => {
    const traceparent = spans.traceparents[index];
    if (traceparent && message.headers) message.headers[HEADER.traceparent] = traceparent;
  });
  return { messages, end: spans.end };
}
