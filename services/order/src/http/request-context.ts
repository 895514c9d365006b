import type { FastifyRequest } from 'fastify';

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** Correlation and trace ids of an incoming request, carried into every event it causes. */
export function requestContext(request: FastifyRequest): { correlationId: string; traceId?: string } {
  const correlation = request.headers['x-correlation-id'];
  const traceparent = request.headers.traceparent;
  const traceId = typeof traceparent === 'string' ? TRACEPARENT.exec(traceparent)?.[1] : undefined;
  return {
    correlationId: typeof correlation === 'string' && correlation.length > 0 && correlation.length <= 128 ? correlation : request.id,
    ...(traceId ? { traceId } : {}),
  };
}
