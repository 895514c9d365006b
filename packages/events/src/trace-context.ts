/**
 * W3C Trace Context (`traceparent`) carried outbox row → Kafka header → consumer, so one trace id
 * follows an order across services. Kept explicit (a string in the row and the header) rather than
 * hidden in a propagator, so it survives the outbox's hop through the database; the consumer also
 * installs it as the active OpenTelemetry span context around the handler (see `withRemoteParent`).
 */
import { randomBytes } from 'node:crypto';
import {
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';

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

/**
 * The tracer of the registered OpenTelemetry SDK, or undefined when none is registered. Asked
 * before every span so that without an SDK nothing is allocated on the way of an event.
 */
function sdkTracer(): Tracer | undefined {
  const provider = trace.getTracerProvider();
  return provider instanceof ProxyTracerProvider ? provider.getDelegateTracer(TRACER_NAME) : provider.getTracer(TRACER_NAME);
}

const TRACER_NAME = '@flash-sale/events';

export interface MessagingSpan {
  /** `process <topic>` / `publish <topic>`, per the messaging semantic conventions. */
  name: string;
  attributes: Attributes;
}

export function messagingSpan(operation: 'process' | 'publish', topic: string, event: { type: string; id: string }, extra: Attributes = {}): MessagingSpan {
  return {
    name: `${operation} ${topic}`,
    attributes: {
      'messaging.system': 'kafka',
      'messaging.operation.type': operation,
      'messaging.destination.name': topic,
      'messaging.message.id': event.id,
      'event.type': event.type,
      ...extra,
    },
  };
}

function traceparentOf(span: Span): string {
  const { traceId, spanId, traceFlags } = span.spanContext();
  return formatTraceparent({ traceId, spanId, sampled: (traceFlags & 1) === 1 });
}

function parentContext(parent: TraceParent | undefined): Context {
  if (!parent) return ROOT_CONTEXT;
  return trace.setSpanContext(ROOT_CONTEXT, {
    traceId: parent.traceId,
    spanId: parent.spanId,
    traceFlags: parent.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  });
}

function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    const failure = error instanceof Error ? error : new Error(typeof error === 'string' ? error : JSON.stringify(error));
    span.recordException(failure);
    span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
  }
  span.end();
}

/**
 * Runs a consumer's handling of one event in a `process <topic>` span, child of the traceparent the
 * message arrived with, and hands `fn` that span's traceparent for the events the handler writes,
 * so the next hop hangs under this one. Without an SDK: exactly `withRemoteParent`, and `fn` gets
 * the arriving traceparent unchanged.
 */
export function withConsumerSpan<T>(arrived: string | undefined, described: MessagingSpan, fn: (traceparent: string | undefined) => T): T {
  const tracer = sdkTracer();
  const parent = parseTraceparent(arrived);
  if (!tracer) return withRemoteParent(parent, () => fn(arrived));
  const span = tracer.startSpan(described.name, { kind: SpanKind.CONSUMER, attributes: described.attributes }, parentContext(parent));
  let result: T;
  try {
    result = context.with(trace.setSpan(parentContext(parent), span), () => fn(traceparentOf(span)));
  } catch (error) {
    endSpan(span, error);
    throw error;
  }
  if (result instanceof Promise) {
    return result.then(
      (value: unknown) => {
        endSpan(span);
        return value;
      },
      (error: unknown) => {
        endSpan(span, error);
        throw error;
      },
    ) as T;
  }
  endSpan(span);
  return result;
}

/**
 * Opens one span per message (`process` for a batch a consumer applies at once, `publish` for the
 * relay's send), each a child of the message's own traceparent, since the messages of one batch
 * belong to different orders and so to different traces. Returns each span's traceparent (the
 * arriving one unchanged without an SDK) and `end`, to call once the batch is done.
 */
export function startMessagingSpans(
  kind: 'process' | 'publish',
  items: ReadonlyArray<{ traceparent: string | undefined; described: MessagingSpan }>,
): { traceparents: Array<string | undefined>; end: (error?: unknown) => void } {
  const tracer = sdkTracer();
  if (!tracer) return { traceparents: items.map((item) => item.traceparent), end: () => undefined };
  const spans = items.map((item) =>
    tracer.startSpan(
      item.described.name,
      { kind: kind === 'publish' ? SpanKind.PRODUCER : SpanKind.CONSUMER, attributes: item.described.attributes },
      parentContext(parseTraceparent(item.traceparent)),
    ),
  );
  return {
    traceparents: spans.map(traceparentOf),
    end: (error?: unknown) => {
      for (const span of spans) endSpan(span, error);
    },
  };
}
