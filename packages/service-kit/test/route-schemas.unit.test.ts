import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import t from 'tap';
import { z } from 'zod';
import { AppError, createBaseApp, createLogger, createMetricsRegistry, docsPlugin, errorResponses } from '../src/index.ts';

const widget = z.strictObject({ id: z.string(), count: z.number().int() });

/** Routes that answer on or off their declared schema, as the query asks. */
const routes: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/widgets/:id',
    {
      schema: {
        params: z.object({ id: z.string().regex(/^w-\d+$/) }),
        querystring: z.object({ answer: z.enum(['documented', 'wrong-type', 'extra-field', 'missing-field', 'refusal', 'refusal-off-contract']) }),
        response: { 200: widget, ...errorResponses({ 404: 'no such widget' }) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      switch (request.query.answer) {
        case 'documented':
          return { id, count: 3 };
        case 'wrong-type':
          return { id, count: '3' } as never;
        case 'extra-field':
          return { id, count: 3, internal_note: 'not for clients' } as never;
        case 'missing-field':
          return { id } as never;
        case 'refusal':
          throw new AppError('WIDGET_NOT_FOUND', 404, 'no such widget', { id });
        case 'refusal-off-contract':
          return reply.status(409).send({ message: 'taken' } as never);
      }
    },
  );
};

const build = async () => {
  const app = await createBaseApp({ logger: createLogger({ service: 'test', level: 'silent' }), metrics: createMetricsRegistry('test'), readiness: [] });
  await app.register(docsPlugin, { title: 'test', version: '1.0.0', description: 'test' });
  await app.register(routes);
  return app;
};

t.test('a reply on its declared schema goes out as declared', async (t) => {
  const app = await build();
  t.teardown(() => app.close());
  const response = await app.inject({ method: 'GET', url: '/widgets/w-1?answer=documented' });
  t.equal(response.statusCode, 200);
  t.same(response.json(), { id: 'w-1', count: 3 });
});

t.test('a reply off its declared schema is never sent: a wrong type, an undocumented field or a missing field is a masked 500', async (t) => {
  const app = await build();
  t.teardown(() => app.close());
  for (const answer of ['wrong-type', 'extra-field', 'missing-field']) {
    const response = await app.inject({ method: 'GET', url: `/widgets/w-1?answer=${answer}` });
    t.equal(response.statusCode, 500, answer);
    t.equal(response.json().error.code, 'INTERNAL', answer);
    t.notMatch(response.body, /not for clients/, answer);
  }
});

t.test('refusals are checked too: the error contract passes, another shape on a 4xx is a masked 500', async (t) => {
  const app = await build();
  t.teardown(() => app.close());
  const refused = await app.inject({ method: 'GET', url: '/widgets/w-1?answer=refusal' });
  t.equal(refused.statusCode, 404);
  t.same(refused.json(), { error: { code: 'WIDGET_NOT_FOUND', message: 'no such widget', details: { id: 'w-1' } } });
  const offContract = await app.inject({ method: 'GET', url: '/widgets/w-1?answer=refusal-off-contract' });
  t.equal(offContract.statusCode, 500);
  t.equal(offContract.json().error.code, 'INTERNAL');
});

t.test('a request off the zod schema is a 400 VALIDATION_FAILED naming the part and the path', async (t) => {
  const app = await build();
  t.teardown(() => app.close());
  const badParam = await app.inject({ method: 'GET', url: '/widgets/x?answer=documented' });
  t.equal(badParam.statusCode, 400);
  t.match(badParam.json(), { error: { code: 'VALIDATION_FAILED', details: { context: 'params', issues: [{ path: '/id' }] } } });
  const badQuery = await app.inject({ method: 'GET', url: '/widgets/w-1?answer=maybe' });
  t.equal(badQuery.statusCode, 400);
  t.match(badQuery.json(), { error: { code: 'VALIDATION_FAILED', details: { context: 'querystring', issues: [{ path: '/answer' }] } } });
});

t.test('the OpenAPI document lists the declared refusals with their reasons, and 4XX and 5XX in the error contract', async (t) => {
  const app = await build();
  t.teardown(() => app.close());
  const document = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
  const responses = document.paths['/widgets/{id}'].get.responses;
  t.same(Object.keys(responses).sort(), ['200', '404', '4XX', '5XX']);
  t.equal(responses['404'].description, 'no such widget');
  t.same(responses['5XX'].content['application/json'].schema.required, ['error']);
});
