// Early answers (src/early-answers.ts) over a real HTTP server on loopback: what they answer skips
// fastify's hooks but is observed like a routed answer; what they decline, or fail at, fastify
// answers; and the client address they see is fastify's `request.ip` for every trustProxy setting.
import type { IncomingMessage } from 'node:http';
import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import t, { type Test } from 'tap';
import { createBaseApp, createLogger, createMetricsRegistry, type EarlyAnswer } from '../src/index.ts';

type TrustProxy = boolean | string[];

async function serve(t: Test, answers: EarlyAnswer[], trustProxy: TrustProxy = false, prepare: (app: FastifyInstance) => void = () => undefined) {
  const metrics = createMetricsRegistry('test');
  const app = await createBaseApp({ logger: createLogger({ service: 'test', level: 'silent' }), metrics, readiness: [], trustProxy });
  const routed: string[] = [];
  app.addHook('onRequest', (request, _reply, done) => {
    routed.push(request.url);
    done();
  });
  app.get('/greeting/:name', async (request) => ({ from: 'route', ip: request.ip, name: (request.params as { name: string }).name }));
  for (const answer of answers) app.earlyAnswers.add(answer);
  prepare(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  t.teardown(() => app.close());
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('not listening on a port');
  return { app, metrics, routed, url: `http://127.0.0.1:${address.port}` };
}

const fromMemory = (onlyName: string): EarlyAnswer => ({
  route: '/greeting/:name',
  answer(request, response) {
    if (request.method !== 'GET' || request.url !== `/greeting/${onlyName}`) return false;
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    response.end(JSON.stringify({ from: 'memory', name: onlyName }));
    return true;
  },
});

t.test('an early answer is served without routing; what it declines goes through fastify', async (t) => {
  const { routed, url } = await serve(t, [fromMemory('ada')]);
  const early = await fetch(`${url}/greeting/ada`);
  t.same(await early.json(), { from: 'memory', name: 'ada' });
  const declined = await fetch(`${url}/greeting/bob`);
  t.same(((await declined.json()) as { from: string }).from, 'route');
  const head = await fetch(`${url}/greeting/ada`, { method: 'HEAD' });
  t.equal(head.status, 200, 'another method: the route (HEAD)');
  t.same(routed, ['/greeting/bob', '/greeting/ada'], 'only the declined requests ran the hooks');
});

t.test('early answers are observed in the request duration histogram under their route', async (t) => {
  const { metrics, url } = await serve(t, [fromMemory('ada')]);
  for (let i = 0; i < 3; i += 1) await (await fetch(`${url}/greeting/ada`)).text();
  await (await fetch(`${url}/greeting/bob`)).text();
  const text = await metrics.metrics();
  t.match(text, /http_request_duration_seconds_count\{service="test",method="GET",route="\/greeting\/:name",status="200"\} 4\b/, 'three early and one routed');
});

t.test('an early answer that throws before writing costs the request nothing: fastify answers it', async (t) => {
  const failing: EarlyAnswer = {
    route: '/greeting/:name',
    answer() {
      throw new Error('a bug in an optimisation');
    },
  };
  const { routed, url } = await serve(t, [failing]);
  const response = await fetch(`${url}/greeting/ada`);
  t.equal(response.status, 200);
  t.same(((await response.json()) as { from: string }).from, 'route');
  t.same(routed, ['/greeting/ada']);
});

t.test("the client address an early answer is given is fastify's request.ip, for every trustProxy setting", async (t) => {
  const settings: Array<{ trustProxy: TrustProxy; forwardedFor?: string }> = [
    { trustProxy: false, forwardedFor: '203.0.113.9' },
    { trustProxy: true, forwardedFor: '203.0.113.9, 198.51.100.7' },
    { trustProxy: ['127.0.0.1'], forwardedFor: '203.0.113.9, 198.51.100.7' },
    { trustProxy: ['10.0.0.0/8'], forwardedFor: '203.0.113.9' },
    { trustProxy: ['127.0.0.1'] },
  ];
  for (const { trustProxy, forwardedFor } of settings) {
    const seen: Array<string | undefined> = [];
    const app: { clientAddress?: (request: IncomingMessage) => string | undefined } = {};
    const recording: EarlyAnswer = {
      route: '/greeting/:name',
      answer(request) {
        seen.push(app.clientAddress?.(request));
        return false;
      },
    };
    const served = await serve(t, [recording], trustProxy);
    app.clientAddress = served.app.clientAddress;
    const url = served.url;
    const response = await fetch(`${url}/greeting/ada`, { headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {} });
    const routedIp = ((await response.json()) as { ip: string }).ip;
    t.same(seen, [routedIp], `trustProxy ${JSON.stringify(trustProxy)}, X-Forwarded-For ${forwardedFor ?? 'none'}: ${routedIp}`);
  }
});

t.test('once the app starts closing, a request on a kept-alive connection is not answered from memory but by fastify (503 while closing)', async (t) => {
  let release = () => undefined as void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let started = () => undefined as void;
  const slowStarted = new Promise<void>((resolve) => (started = resolve));
  const { app, url } = await serve(t, [fromMemory('ada')], false, (app) =>
    app.get('/slow', async () => {
      started();
      await released;
      return { slow: true };
    }),
  );
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  let received = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => (received += chunk));
  const ended = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write('GET /slow HTTP/1.1\r\nHost: test\r\n\r\n');
  await slowStarted;
  // The connection is busy, so the close leaves it open; a request sent on it now arrives after the close began.
  const closing = app.close();
  socket.write('GET /greeting/ada HTTP/1.1\r\nHost: test\r\n\r\n');
  await new Promise((resolve) => setTimeout(resolve, 100));
  release();
  await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 2000))]);
  socket.destroy();
  await closing;
  const statuses = [...received.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((match) => Number(match[1]));
  t.equal(statuses[0], 200, 'the request in flight is answered');
  t.equal(statuses[1], 503, "the one sent after the close began gets fastify's 503, not the early answer");
  t.notMatch(received, /"from":"memory"/);
});
