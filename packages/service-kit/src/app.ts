import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { errorHandlerPlugin } from './error-handler.ts';
import { healthPlugin, type ReadinessCheck } from './health.ts';
import { metricsPlugin } from './metrics.ts';

export interface BaseAppOptions {
  logger: Logger;
  metrics: Registry;
  readiness: ReadinessCheck[];
}

/**
 * The part every service shares: error contract, health probes, Prometheus metrics. A service's
 * `buildApp` starts here and adds its routes; it never listens.
 */
export async function createBaseApp(options: BaseAppOptions): Promise<FastifyInstance> {
  const loggerInstance: FastifyBaseLogger = options.logger;
  const app = Fastify({
    loggerInstance,
    requestIdHeader: 'x-request-id',
    bodyLimit: 256 * 1024,
    ajv: { customOptions: { removeAdditional: false, allErrors: true } },
  });
  await app.register(errorHandlerPlugin);
  await app.register(healthPlugin, { checks: options.readiness });
  await app.register(metricsPlugin, { registry: options.metrics });
  return app;
}
