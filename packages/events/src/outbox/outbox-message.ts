/**
 * The Kafka message an outbox row becomes: key = partition key, value = the envelope as stored,
 * headers = event id, type, correlation id, tenant and W3C traceparent. One definition, used by the
 * relay and by anything else that publishes outbox rows (the reconciler's stuck-outbox repair), so
 * consumers see the same message whoever sent it.
 */
import type { Message } from 'kafkajs';
import type { RowDataPacket } from 'mysql2/promise';
import { HEADER } from '../kafka-headers.ts';
import { traceparentFor } from '../trace-context.ts';

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

export function outboxMessage(row: OutboxRecord): Message {
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
