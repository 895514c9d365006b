/**
 * The console's own API under /ops/api: sale books, dead letters with redrive, the webhook inbox,
 * the job list, and (with the committed local secret only) a sign-in for development. Guarded like
 * every ops route: a shopper gets 403 on each before anything is read. `ops` see their tenant's
 * rows; `platform-ops` see every tenant's (docs/adr/0007-access-guard.md).
 *
 * These routes are the console's backend, shaped for its screens, so they stay out of the OpenAPI
 * document (`hide`), which lists the reconciler's API for other clients; they are still validated
 * and their replies checked against their zod schemas like every route.
 */
import { LOCAL_ONLY_MARKER } from '@flash-sale/config';
import { redrive } from '@flash-sale/events';
import {
  actsAcrossTenants,
  bearerRefusals,
  errorResponses,
  notFound,
  principalOf,
  requireRole,
  signToken,
  tenantIdPattern,
  type Principal,
} from '@flash-sale/service-kit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { JobDeps } from '../../application/jobs/job.ts';
import { jobs } from '../../application/jobs/registry.ts';
import { readAllDeadLetters, viewOf } from './dead-letters.query.ts';
import { deadLetterViewSchema, inboxEntrySchema, inboxSummarySchema, saleBooksSchema } from './console-contract.ts';
import { readSaleBooks } from './sale-books.query.ts';
import { readWebhookInbox } from './webhook-inbox.query.ts';

export interface ConsoleApiOptions {
  jobs: JobDeps;
  /** Whether `POST /ops/api/dev-sign-in` exists (see `devSignInAllowed`). */
  devSignIn: boolean;
}

/** Ended sales stay listed this long, so the books of a sale that just closed can still be read. */
const ENDED_SALES_SHOWN_MS = 24 * 3600_000;

/** `undefined` (every tenant) for platform-ops, the caller's own tenant otherwise. */
const tenantScope = (principal: Principal) => (actsAcrossTenants(principal) ? undefined : principal.tenantId);
const sees = (principal: Principal, tenant: string | null) => actsAcrossTenants(principal) || tenant === principal.tenantId;

/**
 * Only while `JWT_SECRET` is the committed local one: anyone holding the repository can sign any
 * token with it already, so a form that signs one grants nothing new. With a real secret the route
 * does not exist, and a production process never has the local one (config refuses it at start).
 */
export const devSignInAllowed = (jwtSecret: string) => jwtSecret.includes(LOCAL_ONLY_MARKER);

export const consoleApiRoutes: FastifyPluginAsyncZod<ConsoleApiOptions> = async (app, options) => {
  const deps = options.jobs;
  const onRequest = requireRole('ops', 'platform-ops');
  const hide = true;

  app.get(
    '/ops/api/jobs',
    {
      onRequest,
      schema: {
        hide,
        response: { 200: z.strictObject({ jobs: z.array(z.strictObject({ name: z.string(), description: z.string() })) }), ...errorResponses(bearerRefusals) },
      },
    },
    async () => ({ jobs: jobs.map((job) => ({ name: job.name, description: job.description })) }),
  );

  app.get(
    '/ops/api/sales',
    {
      onRequest,
      schema: {
        hide,
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
        response: {
          200: z.strictObject({ sales: z.array(saleBooksSchema), tenant: z.string().nullable() }),
          ...errorResponses({ ...bearerRefusals, 400: 'a limit outside 1..200' }),
        },
      },
    },
    async (request) => {
      const tenantId = tenantScope(principalOf(request));
      const endedSince = new Date(deps.now().getTime() - ENDED_SALES_SHOWN_MS);
      const sales = await readSaleBooks(
        { inventory: deps.databases.inventory, reservations: deps.reservations, now: deps.now },
        { tenantId, endedSince, limit: request.query.limit },
      );
      return { sales, tenant: tenantId ?? null };
    },
  );

  app.get(
    '/ops/api/sales/:saleId',
    {
      onRequest,
      schema: {
        hide,
        params: z.strictObject({ saleId: z.uuid() }),
        response: {
          200: saleBooksSchema,
          ...errorResponses({ ...bearerRefusals, 400: 'the sale id is not a uuid', 404: "no such sale (another tenant's sale does not exist for ops)" }),
        },
      },
    },
    async (request) => {
      const { saleId } = request.params;
      const [books] = await readSaleBooks(
        { inventory: deps.databases.inventory, reservations: deps.reservations, now: deps.now },
        { tenantId: tenantScope(principalOf(request)), saleId, limit: 1 },
      );
      if (!books) throw notFound('sale', { sale_id: saleId });
      return books;
    },
  );

  app.get(
    '/ops/api/dead-letters',
    {
      onRequest,
      schema: {
        hide,
        response: {
          200: z.strictObject({
            topics: z.array(z.strictObject({ topic: z.string(), depth: z.number().int(), entries: z.array(deadLetterViewSchema) })),
            withheld: z.number().int().meta({ description: 'entries of other tenants (or of none) left out for ops' }),
          }),
          ...errorResponses(bearerRefusals),
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      let withheld = 0;
      const topics = (await readAllDeadLetters(deps)).map(({ topic, records }) => {
        const views = records.map((record) => viewOf(topic, record));
        const entries = views.filter((view) => sees(principal, view.tenant_id));
        withheld += views.length - entries.length;
        return { topic, depth: records.length, entries };
      });
      return { topics, withheld };
    },
  );

  app.post(
    '/ops/api/dead-letters/redrive',
    {
      onRequest,
      schema: {
        hide,
        body: z.strictObject({
          topic: z.string().min(1).max(249),
          partition: z.number().int().min(0),
          offset: z.string().regex(/^\d{1,20}$/, 'an offset: digits'),
        }),
        response: {
          200: z.strictObject({ redriven: deadLetterViewSchema, to: z.string() }),
          ...errorResponses({
            ...bearerRefusals,
            400: 'not a topic, partition and offset',
            404: "no such entry in a watched dead-letter or quarantine topic (another tenant's entry does not exist for ops)",
          }),
        },
      },
    },
    async (request) => {
      const { topic, partition, offset } = request.body;
      const principal = principalOf(request);
      // Only the topics the reconciler watches: the console is no way to republish from any topic.
      if (!deps.deadLetterTopics.includes(topic)) throw notFound('dead-letter topic', { topic, topics: deps.deadLetterTopics });
      const [found] = await readAllDeadLetters({ kafka: deps.kafka, deadLetterTopics: [topic] });
      const record = found?.records.find((candidate) => candidate.partition === partition && candidate.offset === offset);
      const view = record ? viewOf(topic, record) : undefined;
      if (!record || !view || !sees(principal, view.tenant_id)) throw notFound('dead-letter entry', { topic, partition, offset });
      await redrive(deps.kafka, topic, [record], deps.now());
      deps.logger.info(
        { topic, partition, offset, event_id: view.event_id, to: view.original.topic, by: principal.userId, tenant: principal.tenantId },
        'dead-letter entry redriven from the ops console',
      );
      return { redriven: view, to: view.original.topic };
    },
  );

  app.get(
    '/ops/api/webhook-inbox',
    {
      onRequest,
      schema: {
        hide,
        querystring: z.strictObject({
          outcome: z
            .string()
            .regex(/^[A-Z_]{1,32}$/, 'an outcome: upper-case letters and _')
            .optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
        }),
        response: {
          200: z.strictObject({ entries: z.array(inboxEntrySchema), summary: inboxSummarySchema, tenant: z.string().nullable() }),
          ...errorResponses({ ...bearerRefusals, 400: 'not an outcome, or a limit outside 1..500' }),
        },
      },
    },
    async (request) => {
      const tenantId = tenantScope(principalOf(request));
      const { outcome, limit } = request.query;
      const inbox = await readWebhookInbox(deps.databases.payment, { tenantId, limit, ...(outcome !== undefined ? { outcome } : {}) });
      return { ...inbox, tenant: tenantId ?? null };
    },
  );

  if (options.devSignIn) {
    app.post(
      '/ops/api/dev-sign-in',
      {
        schema: {
          hide,
          body: z.strictObject({ tenant: z.string().regex(tenantIdPattern, 'a tenant id: letters, digits, . _ -'), role: z.enum(['ops', 'platform-ops']) }),
          response: {
            200: z.strictObject({ token: z.string(), expires_in_seconds: z.number().int() }),
            ...errorResponses({ 400: 'not a tenant and an ops role' }),
          },
        },
      },
      async (request) => {
        const { tenant, role } = request.body;
        return { token: signToken(app, { userId: `console-${role}`, tenantId: tenant, roles: [role] }, '8h'), expires_in_seconds: 8 * 3600 };
      },
    );
  }
};
