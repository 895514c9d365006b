import { parseTraceparent } from '@flash-sale/events';
import type { FastifyRequest } from 'fastify';

/**
 * Correlation and trace ids of an incoming request, carried into every event it causes. The trace
 * id is the W3C `traceparent`'s, read as the event runtime reads it (all-zero ids are no trace).
 */
export function requestContext(request: FastifyRequest): { correlationId: string; traceId?: string } {
  const correlation = request.headers['x-correlation-id'];
  const traceparent = request.headers.traceparent;
  const traceId = typeof traceparent === 'string' ? parseTraceparent(traceparent)?.traceId : undefined;
  return {
    correlationId: typeof correlation === 'string' && correlation.length > 0 && correlation.length <= 128 ? correlation : request.id,
    ...(traceId ? { traceId } : {}),
  };
}
