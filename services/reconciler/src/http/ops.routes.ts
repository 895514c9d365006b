/**
 * Ops API: run a reconciliation job now (its evidence row in the answer), read recent runs and
 * replays, and trace one order through every schema. `ops` act within their tenant: they see their
 * tenant's sample ids and orders only; `platform-ops` see every tenant's.
 */
import { actsAcrossTenants, notFound, principalOf, requireRole, validationFailed } from '@flash-sale/service-kit';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { traceOrder } from '../application/order-trace.ts';
import { runJob } from '../application/run-job.ts';
import { scopeRuns } from '../application/tenant-scope.ts';
import { recentRuns } from '../infra/run.repository.ts';
import type { JobDeps } from '../jobs/job.ts';
import { findJob, jobNames } from '../jobs/registry.ts';

// Job names are kebab-case words; order ids are the order service's uuids.
const jobName = z.string().regex(/^[a-z0-9-]{1,64}$/, 'a job name: lower-case letters, digits and -');
const jobParams = z.object({ job: jobName });
const orderParams = z.object({ id: z.uuid() });
const runsQuery = z.object({ job: jobName.optional(), limit: z.coerce.number().int().min(1).max(500).default(50) });

function parse<S extends z.ZodType>(schema: S, value: unknown, context: string): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw validationFailed('request validation failed', { context, issues: result.error.issues.map((issue) => ({ path: `/${issue.path.join('/')}`, message: issue.message })) });
}

export async function opsRoutes(app: FastifyInstance, deps: JobDeps): Promise<void> {
  const opsOnly = { onRequest: requireRole('ops', 'platform-ops') };

  app.post('/v1/ops/reconciliation/:job', opsOnly, async (request) => {
    const { job: name } = parse(jobParams, request.params, 'params');
    const job = findJob(name);
    if (!job) throw notFound('reconciliation job', { job: name, jobs: jobNames });
    const run = await runJob(deps, job, 'http');
    const [scoped] = await scopeRuns(deps, principalOf(request), [run]);
    return { run: scoped };
  });

  app.get('/v1/ops/reconciliation/runs', opsOnly, async (request) => {
    const query = parse(runsQuery, request.query, 'querystring');
    const runs = await recentRuns(deps.pool, query.job ? { job: query.job, limit: query.limit } : { limit: query.limit });
    return { runs: await scopeRuns(deps, principalOf(request), runs) };
  });

  app.get('/v1/ops/orders/:id/trace', opsOnly, async (request) => {
    const { id } = parse(orderParams, request.params, 'params');
    const trace = await traceOrder(deps, id);
    // Ops act within their tenant: another tenant's order does not exist for them.
    const principal = principalOf(request);
    if (!trace || (trace.order.tenant_id !== principal.tenantId && !actsAcrossTenants(principal))) throw notFound('order', { order_id: id });
    return trace;
  });
}
