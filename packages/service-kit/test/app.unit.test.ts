import t from 'tap';
import { AppError, addressIdentity, createBaseApp, createLogger, createMetricsRegistry } from '../src/index.ts';

const build = async (checks: Array<{ name: string; check: () => Promise<void> }>) => {
  const app = await createBaseApp({
    logger: createLogger({ service: 'test', level: 'silent' }),
    metrics: createMetricsRegistry('test'),
    readiness: checks,
  });
  app.get('/app-error', async () => {
    throw new AppError('SALE_SOLD_OUT', 409, 'sold out', { sale_id: 's1' });
  });
  app.get('/crash', async () => {
    throw new Error('database password is hunter2');
  });
  app.post(
    '/strict',
    { schema: { body: { type: 'object', required: ['qty'], properties: { qty: { type: 'integer' } }, additionalProperties: false } } },
    async () => ({ ok: true }),
  );
  return app;
};

t.test('an AppError keeps its code, status and details', async (t) => {
  const app = await build([]);
  const response = await app.inject({ method: 'GET', url: '/app-error' });
  t.equal(response.statusCode, 409);
  t.same(response.json(), { error: { code: 'SALE_SOLD_OUT', message: 'sold out', details: { sale_id: 's1' } } });
});

t.test('an unexpected error is masked as INTERNAL with the request id', async (t) => {
  const app = await build([]);
  const response = await app.inject({ method: 'GET', url: '/crash' });
  t.equal(response.statusCode, 500);
  t.equal(response.json().error.code, 'INTERNAL');
  t.notMatch(response.body, /hunter2/);
  t.ok(response.json().error.details.request_id);
});

t.test('schema validation and malformed JSON answer 400 in the error contract', async (t) => {
  const app = await build([]);
  const invalid = await app.inject({ method: 'POST', url: '/strict', payload: { qty: 'x', extra: 1 } });
  t.equal(invalid.statusCode, 400);
  t.equal(invalid.json().error.code, 'VALIDATION_FAILED');
  t.ok(invalid.json().error.details.issues.length >= 1);
  const malformed = await app.inject({ method: 'POST', url: '/strict', headers: { 'content-type': 'application/json' }, payload: '{"qty":' });
  t.equal(malformed.statusCode, 400);
  t.ok(malformed.json().error.code);
});

t.test('readiness is 503 while any check fails or hangs, 200 when all pass', async (t) => {
  let healthy = false;
  const app = await build([
    {
      name: 'flaky',
      check: async () => {
        if (!healthy) throw new Error('down');
      },
    },
  ]);
  const down = await app.inject({ method: 'GET', url: '/health/ready' });
  t.equal(down.statusCode, 503);
  t.same(down.json(), { status: 'not_ready', checks: { flaky: 'failed: down' } });
  healthy = true;
  t.equal((await app.inject({ method: 'GET', url: '/health/ready' })).statusCode, 200);
  t.equal((await app.inject({ method: 'GET', url: '/health/live' })).statusCode, 200);
});

t.test("the budget per address charges the client a trusted proxy names, and only a trusted proxy's word counts", async (t) => {
  const identityBehind = async (trustProxy: boolean | string[] | undefined, remoteAddress: string) => {
    const app = await createBaseApp({
      logger: createLogger({ service: 'test', level: 'silent' }),
      metrics: createMetricsRegistry('test'),
      readiness: [],
      trustProxy,
    });
    app.get('/who', async (request) => ({ identity: addressIdentity(request) }));
    const response = await app.inject({ method: 'GET', url: '/who', remoteAddress, headers: { 'x-forwarded-for': '203.0.113.7' } });
    await app.close();
    return response.json().identity as string;
  };
  t.equal(await identityBehind(undefined, '10.1.2.3'), '10.1.2.3', 'by default the header is ignored: a client cannot pick its own budget');
  t.equal(await identityBehind(['10.0.0.0/8'], '10.1.2.3'), '203.0.113.7', 'behind a named proxy, the shopper it names');
  t.equal(await identityBehind(['10.0.0.0/8'], '198.51.100.9'), '198.51.100.9', 'a caller that is not the proxy cannot name someone else');
  t.equal(await identityBehind(true, '198.51.100.9'), '203.0.113.7', 'true trusts every hop');
});
