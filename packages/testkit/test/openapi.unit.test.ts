import t from 'tap';
import { openApiProblems } from '../src/openapi.ts';

const errorSchema = { type: 'object', properties: { error: { type: 'object' } }, required: ['error'] };
const documented = (schema: object) => ({
  openapi: '3.0.3',
  info: { title: 'widgets', version: '1.0.0' },
  paths: {
    '/widgets/{id}': {
      get: {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        responses: {
          200: { description: 'the widget', content: { 'application/json': { schema } } },
          404: { description: 'no such widget', content: { 'application/json': { schema: errorSchema } } },
        },
      },
    },
  },
});

t.test('a sound document has no problems', async (t) => {
  t.same(await openApiProblems(documented({ type: 'object', properties: { id: { type: 'string' } } })), []);
});

t.test('a schema keyword OpenAPI 3.0 does not know is a problem the validator names', async (t) => {
  const problems = await openApiProblems(documented({ type: 'object', propertyNames: { type: 'string' } }));
  t.ok(problems.length > 0);
  t.ok(
    problems.every((problem) => problem.startsWith('schema: ')),
    problems.join('\n'),
  );
});

t.test('an operation without a documented 2xx or without a documented refusal is a problem', async (t) => {
  const document = documented({ type: 'object' });
  const operation = document.paths['/widgets/{id}'].get;
  t.same(
    await openApiProblems({
      ...document,
      paths: { '/widgets/{id}': { get: { ...operation, responses: { 200: { description: 'anything' }, 404: operation.responses[404] } } } },
    }),
    ['GET /widgets/{id}: no 2xx response with a schema'],
  );
  t.same(await openApiProblems({ ...document, paths: { '/widgets/{id}': { get: { ...operation, responses: { 200: operation.responses[200] } } } } }), [
    'GET /widgets/{id}: no refusal (4xx) with a schema',
  ]);
});
