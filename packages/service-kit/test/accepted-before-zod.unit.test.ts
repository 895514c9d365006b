// A route's plain predicates let a valid part skip the zod parse; zod still refuses, and still writes the document.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import t from 'tap';
import { z } from 'zod';
import { acceptedBeforeZod, createBaseApp, createLogger, createMetricsRegistry, docsPlugin, errorResponses } from '../src/index.ts';

const headers = z.looseObject({ 'x-shelf': z.string().regex(/^[a-z]{1,8}$/) });
const params = z.object({ id: z.string().regex(/^w-\d+$/) });
const acceptsHeaders = (value: unknown) =>
  typeof (value as Record<string, unknown>)['x-shelf'] === 'string' && /^[a-z]{1,8}$/.test((value as Record<string, string>)['x-shelf'] ?? '');
const acceptsParams = (value: unknown) =>
  typeof (value as Record<string, unknown>).id === 'string' && /^w-\d+$/.test((value as Record<string, string>).id ?? '');

const build = async (withPredicates: boolean) => {
  const app = await createBaseApp({ logger: createLogger({ service: 'test', level: 'silent' }), metrics: createMetricsRegistry('test'), readiness: [] });
  await app.register(docsPlugin, { title: 'test', version: '1.0.0', description: 'test' });
  const routes: FastifyPluginAsyncZod = async (scope) => {
    scope.get(
      '/widgets/:id',
      {
        ...(withPredicates ? { validatorCompiler: acceptedBeforeZod({ headers: acceptsHeaders, params: acceptsParams }) } : {}),
        schema: {
          summary: 'a widget',
          headers,
          params,
          response: { 200: z.strictObject({ id: z.string(), shelf: z.string(), sameHeaders: z.boolean() }), ...errorResponses({ 400: 'bad shelf or id' }) },
        },
      },
      // sameHeaders: the handler reads the headers object node parsed, not a copy zod made.
      async (request) => ({ id: request.params.id, shelf: request.headers['x-shelf'], sameHeaders: request.headers === request.raw.headers }),
    );
  };
  await app.register(routes);
  await app.ready();
  return app;
};

t.test('a part its predicate accepts reaches the handler as fastify parsed it, without a zod copy', async (t) => {
  const app = await build(true);
  t.teardown(() => app.close());
  const response = await app.inject({ method: 'GET', url: '/widgets/w-7', headers: { 'x-shelf': 'top' } });
  t.equal(response.statusCode, 200);
  t.same(response.json(), { id: 'w-7', shelf: 'top', sameHeaders: true });
});

t.test("a part its predicate refuses gets zod's 400 in the error shape, issues included, as without predicates", async (t) => {
  const cases: Array<[string, Record<string, string>, string]> = [
    ['/widgets/w-7', {}, 'headers'],
    ['/widgets/w-7', { 'x-shelf': 'TOP SHELF' }, 'headers'],
    ['/widgets/nope', { 'x-shelf': 'top' }, 'params'],
  ];
  const [fast, plain] = await Promise.all([build(true), build(false)]);
  t.teardown(() => Promise.all([fast.close(), plain.close()]));
  for (const [url, sent, context] of cases) {
    const [answer, reference] = await Promise.all([fast, plain].map((app) => app.inject({ method: 'GET', url, headers: sent })));
    t.equal(answer?.statusCode, 400, `${url} ${JSON.stringify(sent)}`);
    t.equal(answer?.json().error.details.context, context);
    t.same(answer?.json(), reference?.json(), 'the same refusal as zod alone gives');
  }
});

t.test('the OpenAPI document is the one the zod schemas make, predicates or not', async (t) => {
  const [fast, plain] = await Promise.all([build(true), build(false)]);
  t.teardown(() => Promise.all([fast.close(), plain.close()]));
  const [withPredicates, without] = await Promise.all([fast, plain].map(async (app) => (await app.inject({ method: 'GET', url: '/docs/json' })).json()));
  t.same(withPredicates, without);
  t.ok(JSON.stringify(withPredicates).includes('x-shelf'));
});
