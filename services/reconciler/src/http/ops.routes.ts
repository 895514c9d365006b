/**
 * Ops API: run a reconciliation job now (its evidence row in the answer), read recent runs and
 * replays, and trace one order through every schema. `ops` act within their tenant: they see their
 * tenant's sample ids and orders only; `platform-ops` see every tenant's.
 */
import { actsAcrossTenants, bearerRefusals, errorResponses, notFound, principalOf, requireRole } from '@flash-sale/service-kit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { traceOrder } from '../application/order-trace.ts';
import { runJob } from '../application/run-job.ts';
import { scopeRuns } from '../application/tenant-scope.ts';
import { recentRuns } from '../infra/run.repository.ts';
import type { JobDeps } from '../application/jobs/job.ts';
import { findJob, jobNames } from '../application/jobs/registry.ts';
import { orderTraceSchema, runSchema } from './ops-console/console-contract.ts';

// Job names are kebab-case words; order ids are the order service's uuids.
const jobName = z.string().regex(/^[a-z0-9-]{1,64}$/, 'a job name: lower-case letters, digits and -');
const jobParams = z.object({ job: jobName });
const orderParams = z.object({ id: z.uuid() });
const runsQuery = z.object({ job: jobName.optional(), limit: z.coerce.number().int().min(1).max(500).default(50) });

export const opsRoutes: FastifyPluginAsyncZod<JobDeps> = async (app, deps) => {
  const onRequest = requireRole('ops', 'platform-ops');
  const security = [{ bearer: [] }];

  app.post(
    '/v1/ops/reconciliation/:job',
    {
      onRequest,
      schema: {
        summary: 'Run a reconciliation job now',
        description: `Runs the job in this request and answers its evidence row. Jobs: ${jobNames.join(', ')}.`,
        security,
        params: jobParams,
        response: {
          200: z.strictObject({ run: runSchema }),
          ...errorResponses({ ...bearerRefusals, 400: 'not a job name', 404: 'no such job (details.jobs lists them)' }),
        },
      },
    },
    async (request) => {
      const { job: name } = request.params;
      const job = findJob(name);
      if (!job) throw notFound('reconciliation job', { job: name, jobs: jobNames });
      const run = await runJob(deps, job, 'http');
      const [scoped] = await scopeRuns(deps, principalOf(request), [run]);
      if (!scoped) throw new Error(`run ${run.id} of ${name} was lost while scoping it to the caller`);
      return { run: scoped };
    },
  );

  app.get(
    '/v1/ops/reconciliation/runs',
    {
      onRequest,
      schema: {
        summary: 'Recent reconciliation runs with their evidence, newest first',
        security,
        querystring: runsQuery,
        response: {
          200: z.strictObject({ runs: z.array(runSchema) }),
          ...errorResponses({ ...bearerRefusals, 400: 'not a job name, or a limit outside 1..500' }),
        },
      },
    },
    async (request) => {
      const { job, limit } = request.query;
      const runs = await recentRuns(deps.pool, job ? { job, limit } : { limit });
      return { runs: await scopeRuns(deps, principalOf(request), runs) };
    },
  );

  app.get(
    '/v1/ops/orders/:id/trace',
    {
      onRequest,
      schema: {
        summary: 'Everything the books know about one order, with a timeline',
        security,
        params: orderParams,
        response: {
          200: orderTraceSchema,
          ...errorResponses({ ...bearerRefusals, 400: 'the order id is not a uuid', 404: "no such order (another tenant's order does not exist for ops)" }),
        },
      },
    },
    async (request) => {
      const { id } = request.params;
      const trace = await traceOrder(deps, id);
      // Ops act within their tenant: another tenant's order does not exist for them.
      const principal = principalOf(request);
      if (!trace || (trace.order.tenant_id !== principal.tenantId && !actsAcrossTenants(principal))) throw notFound('order', { order_id: id });
      return trace;
    },
  );
};
