import type { IncomingMessage } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { clientAddressOf, EarlyAnswers } from './early-answers.ts';
import { errorHandlerPlugin } from './error-handler.ts';
import { errorBody } from './errors.ts';
import { healthPlugin, type ReadinessCheck } from './health.ts';
import { lazyRequestLogger } from './logger.ts';
import { metricsPlugin } from './metrics.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Routes whose answer is in memory may also answer before routing (early-answers.ts). */
    earlyAnswers: EarlyAnswers;
    /** The client's address as `request.ip` gives it, for a request fastify has not seen (an early answer). */
    clientAddress: (request: IncomingMessage) => string | undefined;
  }
}

export interface BaseAppOptions {
  logger: Logger;
  metrics: Registry;
  readiness: ReadinessCheck[];
  /**
   * The proxies whose `X-Forwarded-For` names the client (`request.ip`, which the budget per address
   * charges): none by default; `TRUST_PROXY` in packages/config.
   */
  trustProxy?: boolean | string[] | undefined;
}

/**
 * fastify's own per-request lines, off: two info lines per request cost a sold-out refusal about a
 * sixth of its CPU; completed requests are logged at debug (below), failures by the error handler.
 * The request's child logger is made at its first line (logger.ts, lazyRequestLogger).
 * Exported so the bench's baselines run with the same setting.
 */
export const requestLogging = () => ({
  logController: new LogController({ disableRequestLogging: true }),
  childLoggerFactory: lazyRequestLogger,
});

/**
 * The part every service shares: error contract, health probes, Prometheus metrics. A service's
 * `buildApp` starts here and adds its routes; it never listens.
 */
export async function createBaseApp(options: BaseAppOptions): Promise<FastifyInstance> {
  const loggerInstance: FastifyBaseLogger = options.logger;
  const trustProxy = options.trustProxy ?? false;
  const earlyAnswers = new EarlyAnswers(options.logger);
  const app = Fastify({
    loggerInstance,
    serverFactory: earlyAnswers.serverFactory,
    requestIdHeader: 'x-request-id',
    trustProxy,
    ...requestLogging(),
    bodyLimit: 256 * 1024,
    // No type coercion: a number or an array where a string is meant is a 400, not silently
    // turned into "42" or its first element (fastify's default coerces).
    ajv: { customOptions: { removeAdditional: false, allErrors: true, coerceTypes: false } },
    // The router refuses an over-long path parameter or a malformed URL before any route runs;
    // those refusals get the error contract too (fastify's own are a 414 in another shape).
    frameworkErrors: (error, _request, reply) => {
      const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
      void (reply as unknown as FastifyReply)
        .status(400)
        .send(
          errorBody(tooLong ? 'VALIDATION_FAILED' : 'BAD_REQUEST', tooLong ? 'a path parameter is too long' : 'malformed request URL', { context: 'params' }),
        );
    },
  });
  // Hooked only when debug is on at start: otherwise every request would run a hook that logs nothing.
  if (options.logger.isLevelEnabled('debug')) {
    app.addHook('onResponse', async (request, reply) => {
      request.log.debug({ method: request.method, url: request.url, statusCode: reply.statusCode, responseTime: reply.elapsedTime }, 'request completed');
    });
  }
  await app.register(errorHandlerPlugin);
  await app.register(healthPlugin, { checks: options.readiness });
  await app.register(metricsPlugin, { registry: options.metrics });
  earlyAnswers.observeIn(app.httpRequestDuration);
  app.addHook('preClose', (done) => {
    earlyAnswers.close();
    done();
  });
  app.decorate('earlyAnswers', earlyAnswers);
  app.decorate('clientAddress', clientAddressOf(trustProxy));
  return app;
}
