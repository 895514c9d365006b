/**
 * One order is one OpenTelemetry trace across the real processes: order, inventory and payment run
 * as `node services/<name>/src/main.ts` with tracing asked for by the standard variables only
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_PROTOCOL=http/json`) and export to an OTLP
 * receiver this test runs. The order is placed without a `traceparent`, so the order service's
 * server span starts the trace; every span after it must hang under it: the relay's publish, the
 * consumers in inventory and payment, inventory's follow-up event and the order service consuming it.
 * Isolation as in `order-to-confirmed.e2e.test.ts`: databases, Redis, topics and groups of the
 * test's own.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { freePort, resolveServers, waitFor } from '@flash-sale/testkit';
import { openSale } from '@flash-sale/testkit/open-sale';
import { createSigner } from 'fast-jwt';
import t from 'tap';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver.ts';
import { ownRedis } from './support/own-redis.ts';
import { startService, type ServiceProcess } from './support/service-process.ts';
import { migratedDatabase, ownTopics, runCleanups, serviceSettings, waitUntilReady, type Cleanup } from './support/system-under-test.ts';

type Service = 'order' | 'payment' | 'inventory';
const SERVICES: readonly Service[] = ['order', 'payment', 'inventory'];
const SPAN_KIND = { server: 2, client: 3, producer: 4, consumer: 5 } as const;

const runId = randomUUID().replaceAll('-', '').slice(0, 12);
const groupPrefix = `e2e-${runId}-`;
const topicPrefix = `e2e-${runId}.`;
const jwtSecret = randomBytes(24).toString('hex');
const tenant = 't1';
const sign = createSigner({ key: jwtSecret, expiresIn: 600_000 });
const token = (sub: string, roles: string[]) => sign({ sub, tenant, roles });

const cleanups: Cleanup[] = [];
const processes = new Map<Service, ServiceProcess>();
let receiver: OtlpReceiver;

async function call(base: string, method: string, path: string, options: { auth?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(options.auth ? { authorization: `Bearer ${options.auth}` } : {}),
      ...options.headers,
    },
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- read loosely: each service validates its own output
  return { status: response.status, json: (text ? JSON.parse(text) : {}) as Record<string, any> };
}

const service = (name: Service) => {
  const found = processes.get(name);
  if (!found) throw new Error(`${name} is not running`);
  return found;
};

t.before(async () => {
  const servers = await resolveServers();
  receiver = await startOtlpReceiver();
  cleanups.push(() => receiver.close());

  const databases = new Map<Service, string>();
  for (const name of SERVICES) databases.set(name, await migratedDatabase(servers.mysqlAdminUrl, name, runId, cleanups));
  const redis = await ownRedis(servers.redisUrl);
  cleanups.push(() => redis.release());
  await ownTopics({ servers, runId, topicPrefix, groupPrefix, groups: SERVICES }, cleanups);

  const ports = { order: await freePort(), payment: await freePort(), inventory: await freePort(), provider: await freePort() };
  const settings = serviceSettings({ servers, databases, redisEnv: redis.env, topicPrefix, groupPrefix, jwtSecret, logLevel: 'info' });
  const common = (name: Service) => ({
    ...settings.common(name),
    // Tracing, by the standard variables alone; the service name comes from the service's folder.
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '100',
  });
  cleanups.unshift(async () => {
    for (const running of [...processes.values()].reverse()) await running.stop();
  });
  processes.set('inventory', await startService('inventory', ports.inventory, common('inventory')));
  // No payment is opened here, so the provider is never called: an address is all the config needs.
  processes.set(
    'payment',
    await startService('payment', ports.payment, {
      ...common('payment'),
      PAYMENT_PROVIDER_URL: `http://127.0.0.1:${ports.provider}`,
      PAYMENT_WEBHOOK_SECRETS: randomBytes(24).toString('hex'),
      ORDER_URL: `http://127.0.0.1:${ports.order}`,
    }),
  );
  processes.set('order', await startService('order', ports.order, { ...common('order'), PAYMENT_URL: `http://127.0.0.1:${ports.payment}` }));
  await waitUntilReady(processes);
});

t.teardown(() => runCleanups(cleanups));

/** The chain of spans from `span` up to its root, following parent ids among the received spans. */
function ancestry(span: ReceivedSpan, spans: readonly ReceivedSpan[]): ReceivedSpan[] {
  const byId = new Map(spans.filter((candidate) => candidate.traceId === span.traceId).map((candidate) => [candidate.spanId, candidate]));
  const chain = [span];
  for (let current = span; current.parentSpanId;) {
    const parent = byId.get(current.parentSpanId);
    if (!parent || chain.includes(parent)) break;
    chain.push(parent);
    current = parent;
  }
  return chain;
}

const describe = (chain: readonly ReceivedSpan[]) => chain.map((span) => `${span.service}:${span.name}`).join(' ← ');

t.test(
  'one order is one trace: the consumers in inventory and payment and the order service consuming the follow-up all chain back to the POST /v1/orders server span',
  async (t) => {
    const ops = token(`ops-${runId}`, ['ops']);
    const shopperToken = token(`shopper-${runId}`, ['shopper']);
    const inventory = service('inventory');
    const order = service('order');

    const { saleId } = await openSale(inventory.url, ops, {
      skuId: `e2e-sku-${runId}`,
      name: 'Traced sneaker',
      stock: 5,
      perUserLimit: 1,
      holdTtlSeconds: 600,
      openedMsAgo: 60_000,
    });

    const placed = await call(order.url, 'POST', '/v1/orders', {
      auth: shopperToken,
      body: { sale_id: saleId, quantity: 1 },
      headers: { 'idempotency-key': randomUUID() },
    });
    t.equal(placed.status, 201, `order accepted: ${JSON.stringify(placed.json)}`);

    const root = await waitFor(
      () =>
        receiver.spans.find(
          (span) =>
            span.service === 'order' &&
            span.kind === SPAN_KIND.server &&
            span.attributes['http.route'] === '/v1/orders' &&
            span.attributes['http.request.method'] === 'POST',
        ),
      { timeoutMs: 15_000, intervalMs: 100, what: 'the POST /v1/orders server span' },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}; received: ${JSON.stringify(receiver.spans.map((span) => `${span.service}:${span.name}`))}\n${order.tail()}`);
    });
    t.notOk(root.parentSpanId, 'the order was placed without a traceparent, so its server span is the root of the trace');
    const inTrace = () => receiver.spans.filter((span) => span.traceId === root.traceId);

    // Each hop, found by where it ran and what it handled.
    const hops: Array<{ what: string; service: Service; kind: number; eventType: string }> = [
      { what: 'the order relay publishing order.created', service: 'order', kind: SPAN_KIND.producer, eventType: 'order.created.v1' },
      { what: 'inventory consuming order.created', service: 'inventory', kind: SPAN_KIND.consumer, eventType: 'order.created.v1' },
      { what: 'payment consuming order.created', service: 'payment', kind: SPAN_KIND.consumer, eventType: 'order.created.v1' },
      { what: 'the inventory relay publishing stock.committed', service: 'inventory', kind: SPAN_KIND.producer, eventType: 'stock.committed.v1' },
      { what: 'the order service consuming stock.committed', service: 'order', kind: SPAN_KIND.consumer, eventType: 'stock.committed.v1' },
    ];
    const matches = (hop: (typeof hops)[number]) => (span: ReceivedSpan) =>
      span.service === hop.service && span.kind === hop.kind && span.attributes['event.type'] === hop.eventType;
    const spansFound = await waitFor(() => hops.every((hop) => inTrace().some(matches(hop))), {
      timeoutMs: 30_000,
      intervalMs: 200,
      what: 'every hop of the order in its trace',
    }).catch(() => false);
    t.ok(
      spansFound,
      `every hop is in the order's trace; trace holds: ${JSON.stringify(inTrace().map((span) => `${span.service}:${span.name}:${String(span.attributes['event.type'] ?? '')}`))}`,
    );

    for (const hop of hops) {
      const span = inTrace().find(matches(hop));
      if (!span) {
        t.fail(`${hop.what}: no span in trace ${root.traceId}`);
        continue;
      }
      const chain = ancestry(span, receiver.spans);
      t.equal(chain.at(-1)?.spanId, root.spanId, `${hop.what} chains back to the POST /v1/orders server span: ${describe(chain)}`);
    }

    const rootClientSpans = receiver.spans.filter((span) => !span.parentSpanId && span.kind === SPAN_KIND.client);
    t.same(
      rootClientSpans.map((span) => `${span.service}:${span.name}`),
      [],
      'no polling query or scheduler call outside a request or an event makes a trace of its own',
    );
    t.same(new Set(inTrace().map((span) => span.service)), new Set(SERVICES), 'the trace holds spans of order, inventory and payment, and of nothing else');
    // The instrumentations hook the ES-module services: their MySQL and Redis calls are in the trace too.
    t.ok(
      inTrace().some(
        (span) =>
          (span.service === 'order' && span.attributes['db.system.name'] === 'redis') || (span.service === 'order' && span.attributes['db.system'] === 'redis'),
      ),
      "the order service's Redis reservation is a span of the trace",
    );
    t.ok(
      inTrace().some((span) => span.attributes['db.system.name'] === 'mysql' || span.attributes['db.system'] === 'mysql'),
      'MySQL statements are spans of the trace',
    );
  },
);
