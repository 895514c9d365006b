import type { FastifyError, FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, errorBody } from './errors.ts';

/** Maps every error to the error contract; 5xx bodies are masked, the log keeps the cause. */
export const errorHandlerPlugin = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError | AppError | Error, request, reply) => {
      if (error instanceof AppError) {
        // A 5xx that names when to retry is a known, passing state (a sale being rebuilt): one
        // line per request at error level would bury the real failures during a stampede.
        if (error.statusCode >= 500 && error.retryAfterSeconds !== undefined) request.log.debug({ code: error.code }, 'request refused until retry-after');
        else if (error.statusCode >= 500) request.log.error({ err: error }, 'request failed');
        if (error.retryAfterSeconds !== undefined) void reply.header('retry-after', String(error.retryAfterSeconds));
        return reply.status(error.statusCode).send(errorBody(error.code, error.message, error.details));
      }
      const fastifyError = error as FastifyError;
      if (fastifyError.validation) {
        return reply.status(400).send(
          errorBody('VALIDATION_FAILED', 'request validation failed', {
            context: fastifyError.validationContext,
            issues: fastifyError.validation.map((issue) => ({
              path: issue.instancePath || (issue.params as { missingProperty?: string } | undefined)?.missingProperty || '',
              message: issue.message,
            })),
          }),
        );
      }
      const status = fastifyError.statusCode ?? 500;
      if (status === 429) {
        return reply.status(429).send(errorBody('RATE_LIMITED', 'too many requests', {}));
      }
      if (status >= 400 && status < 500) {
        // fastify's own 4xx (bad JSON, too large, unsupported media type): safe to show.
        return reply.status(status).send(errorBody(fastifyError.code ?? 'BAD_REQUEST', fastifyError.message, {}));
      }
      request.log.error({ err: error }, 'request failed');
      return reply.status(500).send(errorBody('INTERNAL', 'internal error', { request_id: request.id }));
    });

    app.setNotFoundHandler((request, reply) => reply.status(404).send(errorBody('NOT_FOUND', `route ${request.method} ${request.url} not found`)));
  },
  { name: 'error-handler' },
);
