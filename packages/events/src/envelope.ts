/**
 * The platform's message envelope (docs/eventing.md, "The envelope"): every event on every topic
 * is one of these. `type` is dotted lower-case with a version suffix; `occurred_at` is UTC ISO-8601;
 * `correlation_id` and `trace_id` are required for observability.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';

export const EVENT_TYPE_PATTERN = /^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)+\.v[1-9][0-9]*$/;

export const envelopeSchema = z
  .object({
    id: z.uuid(),
    type: z.string().regex(EVENT_TYPE_PATTERN, 'must be dotted lower-case with a .vN suffix'),
    occurred_at: z.iso.datetime({ offset: false }),
    source: z.string().min(1),
    correlation_id: z.string().min(1).max(128),
    trace_id: z.string().regex(/^[0-9a-f]{32}$/, 'must be a W3C trace id (32 lower-case hex digits)'),
    payload: z.record(z.string(), z.unknown()),
    metadata: z.object({
      partition_key: z.string().min(1).max(200),
      tenant_id: z.string().min(1).max(64),
      /** Present when restricted payload fields are sealed (src/crypto/field-encryption.ts). */
      encryption: z
        .object({ key_id: z.string().min(1).max(64), fields: z.array(z.string().min(1)).min(1) })
        .strict()
        .optional(),
    }),
  })
  .strict();

export interface Envelope<P = Record<string, unknown>> {
  id: string;
  type: string;
  occurred_at: string;
  source: string;
  correlation_id: string;
  trace_id: string;
  payload: P;
  metadata: { partition_key: string; tenant_id: string; encryption?: { key_id: string; fields: string[] } };
}

/** What a producer knows about the request or message it is acting for. */
export interface EventContext {
  source: string;
  tenantId: string;
  correlationId: string;
  /** W3C trace id of the active span; a fresh one is made when absent. */
  traceId?: string;
}

export const newTraceId = () => randomUUID().replaceAll('-', '');

export function createEnvelope<P extends Record<string, unknown>>(
  type: string,
  payload: P,
  partitionKey: string,
  context: EventContext,
  now: Date,
): Envelope<P> {
  return {
    id: randomUUID(),
    type,
    occurred_at: now.toISOString(),
    source: context.source,
    correlation_id: context.correlationId,
    trace_id: context.traceId ?? newTraceId(),
    payload,
    metadata: { partition_key: partitionKey, tenant_id: context.tenantId },
  };
}
