/**
 * W3C Trace Context (`traceparent`) carried outbox row → Kafka header → consumer, so one trace id
 * follows an order across services. Kept explicit (a string in the row and the header) rather than
 * hidden in a propagator, so it survives the outbox's hop through the database; the consumer also
 * installs it as the active OpenTelemetry span context around the handler (see `withRemoteParent`).
 */
import { randomBytes } from 'node:crypto';
import { ROOT_CONTEXT, context, trace, TraceFlags, type SpanContext } from '@opentelemetry/api';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const ALL_ZERO_TRACE = '0'.repeat(32);
const ALL_ZERO_SPAN = '0'.repeat(16);

export interface TraceParent {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

export function parseTraceparent(value: string | undefined | null): TraceParent | undefined {
  const match = value ? TRACEPARENT.exec(value.trim()) : null;
  if (!match) return undefined;
  const [, traceId = '', spanId = '', flags = '00'] = match;
  // The spec makes all-zero ids invalid: treat them as absent rather than propagate garbage.
  if (traceId === ALL_ZERO_TRACE || spanId === ALL_ZERO_SPAN) return undefined;
  return { traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 };
}

export function formatTraceparent(parent: TraceParent): string {
  return `00-${parent.traceId}-${parent.spanId}-${parent.sampled ? '01' : '00'}`;
}

export const newSpanId = () => randomBytes(8).toString('hex');

/**
 * The traceparent to put on a Kafka message: the producer's own when it recorded one in the
 * outbox row, else a fresh span under the envelope's trace id (which is always present).
 */
export function traceparentFor(recorded: string | undefined, envelopeTraceId: string): string {
  const parsed = parseTraceparent(recorded);
  if (parsed) return formatTraceparent(parsed);
  return formatTraceparent({ traceId: envelopeTraceId, spanId: newSpanId(), sampled: true });
}

/** Runs `fn` with the remote parent as the active OpenTelemetry span context (a no-op without an SDK). */
export function withRemoteParent<T>(parent: TraceParent | undefined, fn: () => T): T {
  if (!parent) return fn();
  const spanContext: SpanContext = {
    traceId: parent.traceId,
    spanId: parent.spanId,
    traceFlags: parent.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  };
  return context.with(trace.setSpanContext(ROOT_CONTEXT, spanContext), fn);
}

/** The traceparent of the active OpenTelemetry span, for producers that run under an SDK. */
export function activeTraceparent(): string | undefined {
  const span = trace.getSpanContext(context.active());
  if (!span || !trace.isSpanContextValid(span)) return undefined;
  return formatTraceparent({ traceId: span.traceId, spanId: span.spanId, sampled: (span.traceFlags & 1) === 1 });
}
