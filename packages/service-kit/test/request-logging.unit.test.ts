// Per-request log lines stay off the hot path at the default level and come back at debug.
import { Writable } from 'node:stream';
import t from 'tap';
import { createBaseApp, createLogger, createMetricsRegistry } from '../src/index.ts';

const appLoggingAt = async (level: string) => {
  const lines: Array<{ msg?: string; statusCode?: number }> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as { msg?: string; statusCode?: number });
      done();
    },
  });
  const app = await createBaseApp({ logger: createLogger({ service: 'test', level }, destination), metrics: createMetricsRegistry('test'), readiness: [] });
  app.get('/ping', async () => ({ ok: true }));
  return { app, lines };
};

t.test('at info, a served request writes no log line', async (t) => {
  const { app, lines } = await appLoggingAt('info');
  t.teardown(() => app.close());
  t.equal((await app.inject({ method: 'GET', url: '/ping' })).statusCode, 200);
  t.same(lines, []);
});

t.test('at debug, each completed request is logged once with its status', async (t) => {
  const { app, lines } = await appLoggingAt('debug');
  t.teardown(() => app.close());
  await app.inject({ method: 'GET', url: '/ping' });
  t.match(
    lines.filter((line) => line.msg === 'request completed'),
    [{ statusCode: 200 }],
  );
  t.equal(lines.filter((line) => line.msg === 'request completed').length, 1);
});
