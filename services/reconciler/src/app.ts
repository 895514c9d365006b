import { kafkaReadiness, type TopicAdmin } from '@flash-sale/events';
import type { TrustProxy } from '@flash-sale/config';
import { createServiceApp, type RateLimits } from '@flash-sale/service-kit';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { bullBoard } from './http/bull-board.plugin.ts';
import { devSignInAllowed } from './http/ops-console/console-api.routes.ts';
import { opsConsole } from './http/ops-console/ops-console.plugin.ts';
import { opsRoutes } from './http/ops.routes.ts';
import type { JobDeps } from './application/jobs/job.ts';

export interface ReconcilerAppDeps {
  jobs: JobDeps;
  kafkaAdmin: TopicAdmin;
  jwtSecret: string;
  jwtIssuer?: string | undefined;
  jwtAudience?: string | undefined;
  /** Per verified caller and per address without a valid token; unset parts use service-kit's defaults. */
  rateLimits?: Partial<RateLimits>;
  /** Isolates Redis keys (tests). */
  keyPrefix?: string;
  /** Queues shown on bull-board (the scheduler's; none when schedules are off). */
  queues: readonly Queue[];
  /** The proxies whose X-Forwarded-For names the client (TRUST_PROXY); none when unset. */
  trustProxy?: TrustProxy | undefined;
}

/** The reconciler's ops surface as a fastify instance; it never listens (main.ts and tests decide that). */
export async function buildApp(deps: ReconcilerAppDeps): Promise<FastifyInstance> {
  const app = await createServiceApp({
    service: 'reconciler',
    logger: deps.jobs.logger,
    metrics: deps.jobs.metrics.registry,
    mysql: deps.jobs.pool,
    redis: deps.jobs.redis,
    readiness: [kafkaReadiness(deps.kafkaAdmin)],
    trustProxy: deps.trustProxy,
    docs: {
      title: 'Reconciler',
      description:
        'Reconciliation jobs on demand, their evidence, and the trace of an order across every service. Ops act within their tenant; platform-ops across tenants and on the queues.',
    },
    auth: { secret: deps.jwtSecret, issuer: deps.jwtIssuer, audience: deps.jwtAudience, keyPrefix: deps.keyPrefix, limits: deps.rateLimits },
  });
  await app.register(opsRoutes, deps.jobs);
  await app.register(opsConsole, { jobs: deps.jobs, devSignIn: devSignInAllowed(deps.jwtSecret) });
  if (deps.queues.length > 0) await bullBoard(app, { queues: deps.queues });
  return app;
}
