import { authPlugin, createBaseApp, docsPlugin, kafkaReadiness, mysqlReadiness, redisReadiness } from '@flash-sale/service-kit';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Admin } from 'kafkajs';
import { bullBoard } from './http/bull-board.plugin.ts';
import { opsRoutes } from './http/ops.routes.ts';
import type { JobDeps } from './jobs/job.ts';

export interface ReconcilerAppDeps {
  jobs: JobDeps;
  kafkaAdmin: Admin;
  jwtSecret: string;
  /** Queues shown on bull-board (the scheduler's; none when schedules are off). */
  queues: readonly Queue[];
}

/** The reconciler's ops surface as a fastify instance; it never listens (main.ts and tests decide that). */
export async function buildApp(deps: ReconcilerAppDeps): Promise<FastifyInstance> {
  const app = await createBaseApp({
    logger: deps.jobs.logger,
    metrics: deps.jobs.metrics.registry,
    readiness: [mysqlReadiness(deps.jobs.pool), redisReadiness(deps.jobs.redis), kafkaReadiness(deps.kafkaAdmin)],
  });
  await app.register(docsPlugin, {
    title: 'Reconciler',
    version: '1.0.0',
    description: 'Reconciliation jobs on demand, their evidence, and the trace of an order across every service. Ops role only.',
  });
  await app.register(authPlugin, { secret: deps.jwtSecret });
  await app.register(opsRoutes, deps.jobs);
  if (deps.queues.length > 0) await bullBoard(app, { queues: deps.queues });
  return app;
}
