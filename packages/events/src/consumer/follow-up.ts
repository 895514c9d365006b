import type { Envelope, EventContext } from '../envelope.ts';

/**
 * The producer context for events a handler emits in reaction to `event` (via `prepareEvent` and
 * `writeOutbox(ctx.tx, …)`): same tenant, correlation and trace, so the chain stays one trace.
 */
export function followUpContext(event: Envelope<unknown>, traceparent: string | undefined, source: string): EventContext & { traceparent?: string } {
  return {
    source,
    tenantId: event.metadata.tenant_id,
    correlationId: event.correlation_id,
    traceId: event.trace_id,
    ...(traceparent ? { traceparent } : {}),
  };
}
