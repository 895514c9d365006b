// A request's child logger is made at its first written line, and the lines are those of the eager child.
import { Writable } from 'node:stream';
import t from 'tap';
import { createBaseApp, createLogger, createMetricsRegistry, type Logger } from '../src/index.ts';

type Line = Record<string, unknown> & { msg?: string; level?: string; reqId?: string };

/** A base app over a real pino logger writing to memory, counting the child loggers made from it. */
const appLoggingAt = async (level: string) => {
  const lines: Line[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Line);
      done();
    },
  });
  const logger: Logger = createLogger({ service: 'test', level }, destination);
  let childrenMade = 0;
  const makeChild = logger.child.bind(logger);
  logger.child = ((...args: Parameters<Logger['child']>) => {
    childrenMade += 1;
    return makeChild(...args);
  }) as Logger['child'];
  const app = await createBaseApp({ logger, metrics: createMetricsRegistry('test'), readiness: [] });
  app.get('/quiet', async (request) => {
    request.log.debug('not at info');
    return { ok: true };
  });
  app.get('/talks', async (request) => {
    request.log.warn({ req: { headers: { authorization: 'Bearer secret-token' } }, sale_id: 's1' }, 'something to say');
    request.log.info('and more');
    return { ok: true };
  });
  app.get('/warn-route', { logLevel: 'warn' }, async (request) => {
    const log = request.log as unknown as Logger;
    // Asked before any line (no child yet) and after one (the child answers).
    const before = [log.isLevelEnabled('info'), log.isLevelEnabled('warn')];
    request.log.info('below the route level');
    request.log.error('at the route level');
    return { ok: true, before, after: [log.isLevelEnabled('info'), log.isLevelEnabled('warn')] };
  });
  // fastify makes children of its own while it starts: only the ones made by requests count.
  await app.ready();
  const atStart = childrenMade;
  return { app, lines, childrenMade: () => childrenMade - atStart };
};

t.test('a request that writes no line at an enabled level makes no child logger', async (t) => {
  const { app, lines, childrenMade } = await appLoggingAt('info');
  t.teardown(() => app.close());
  for (let i = 0; i < 5; i += 1) t.equal((await app.inject({ method: 'GET', url: '/quiet' })).statusCode, 200);
  t.equal(childrenMade(), 0);
  t.same(lines, []);
});

t.test("a request's lines carry its request id, once per line, with the logger's redaction", async (t) => {
  const { app, lines, childrenMade } = await appLoggingAt('info');
  t.teardown(() => app.close());
  const response = await app.inject({ method: 'GET', url: '/talks', headers: { 'x-request-id': 'req-42' } });
  t.equal(response.statusCode, 200);
  t.equal(childrenMade(), 1, 'one child for the two lines');
  t.match(lines, [
    { level: 'warn', msg: 'something to say', reqId: 'req-42', sale_id: 's1', req: { headers: { authorization: '[redacted]' } } },
    { level: 'info', msg: 'and more', reqId: 'req-42' },
  ]);
  t.notOk(JSON.stringify(lines).includes('secret-token'));
});

t.test("a route's log level still decides which of its lines are written", async (t) => {
  const { app, lines } = await appLoggingAt('info');
  t.teardown(() => app.close());
  const response = await app.inject({ method: 'GET', url: '/warn-route' });
  t.same(
    lines.map((line) => line.msg),
    ['at the route level'],
  );
  t.same(response.json(), { ok: true, before: [false, true], after: [false, true] }, "isLevelEnabled answers at the route's level");
});

t.test('at debug, a request gets its completed line with its request id', async (t) => {
  const { app, lines } = await appLoggingAt('debug');
  t.teardown(() => app.close());
  await app.inject({ method: 'GET', url: '/quiet', headers: { 'x-request-id': 'req-7' } });
  t.match(lines, [
    { msg: 'not at info', reqId: 'req-7' },
    { msg: 'request completed', reqId: 'req-7', statusCode: 200 },
  ]);
});
