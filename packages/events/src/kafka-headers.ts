/**
 * Kafka header names the platform writes on every event, and their decoding. Consumers and tools
 * read the envelope for truth; headers exist so brokers, tools and tracing can route without
 * parsing the value.
 */
import type { MessageHeaders } from './transport/messages.ts';

export const HEADER = {
  eventId: 'event-id',
  eventType: 'event-type',
  correlationId: 'correlation-id',
  tenantId: 'tenant-id',
  traceparent: 'traceparent',
} as const;

/** Header values as strings (received as Buffers, or arrays of them for repeated keys). */
export function decodeHeaders(headers: MessageHeaders | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last === undefined) continue;
    decoded[name] = Buffer.isBuffer(last) ? last.toString('utf8') : String(last);
  }
  return decoded;
}
