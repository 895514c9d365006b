/**
 * Order → payment → CONFIRMED through the real processes and the real broker: order, payment,
 * inventory and the provider simulator each run as `node services/<name>/src/main.ts` on a port
 * of their own, with uuid-named databases, a Redis of their own (support/own-redis.ts: a claimed
 * database on single, a private Redis Cluster on cluster), consumer groups of their own
 * (`KAFKA_GROUP_ID_PREFIX`) and topics of their own (`KAFKA_TOPIC_PREFIX`: every declared
 * topic under a uuid prefix, created before the services start and deleted after). Nobody else's
 * services see this test's events, and the test's services see nobody else's. The order is placed
 * with a W3C `traceparent`; its trace id must then appear in the logs of order, inventory and
 * payment.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { freePort, resolveServers, waitFor } from '@flash-sale/testkit';
import { openSale } from '@flash-sale/testkit/open-sale';
import { createSigner } from 'fast-jwt';
import t from 'tap';
import { ownRedis } from './support/own-redis.ts';
import { startService, type ServiceProcess } from './support/service-process.ts';
import { migratedDatabase, ownTopics, runCleanups, serviceSettings, waitUntilReady, type Cleanup } from './support/system-under-test.ts';

type Service = 'order' | 'payment' | 'inventory';
const SERVICES: readonly Service[] = ['order', 'payment', 'inventory'];

const runId = randomUUID().replaceAll('-', '').slice(0, 12);
const groupPrefix = `e2e-${runId}-`;
const topicPrefix = `e2e-${runId}.`;
const jwtSecret = randomBytes(24).toString('hex');
const webhookSecret = randomBytes(24).toString('hex');
const tenant = 't1';
const sign = createSigner({ key: jwtSecret, expiresIn: 600_000 });
const token = (sub: string, roles: string[]) => sign({ sub, tenant, roles });

const cleanups: Cleanup[] = [];
const databases = new Map<Service, string>();
const processes = new Map<Service | 'provider', ServiceProcess>();

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

const service = (name: Service | 'provider') => {
  const found = processes.get(name);
  if (!found) throw new Error(`${name} is not running`);
  return found;
};

t.before(async () => {
  const servers = await resolveServers();

  // 1. A database per service: platform tables plus the service's own migrations.
  for (const name of SERVICES) databases.set(name, await migratedDatabase(servers.mysqlAdminUrl, name, runId, cleanups));

  // 2. A Redis of the test's own: a claimed database on single, a private cluster on cluster.
  const redis = await ownRedis(servers.redisUrl);
  cleanups.push(() => redis.release());

  // 3. Topics of the test's own (every declared one, under the prefix) and consumer groups of its
  //    own; both start empty, so the groups read from the beginning and see only this test's events.
  await ownTopics({ servers, runId, topicPrefix, groupPrefix, groups: SERVICES }, cleanups);

  // 4. The processes. Payment and simulator point at each other, so every port is chosen first.
  const ports = { order: await freePort(), payment: await freePort(), inventory: await freePort(), provider: await freePort() };
  // Handled events are logged at debug, with their trace id.
  const { common } = serviceSettings({ servers, databases, redisEnv: redis.env, topicPrefix, groupPrefix, jwtSecret, logLevel: 'debug' });
  const providerUrl = `http://127.0.0.1:${ports.provider}`;
  // Stopped in reverse order of start, before the databases go.
  cleanups.unshift(async () => {
    for (const running of [...processes.values()].reverse()) await running.stop();
  });
  processes.set(
    'provider',
    await startService('provider-sim', ports.provider, {
      LOG_LEVEL: 'info',
      PROVIDER_PUBLIC_URL: providerUrl,
      PROVIDER_WEBHOOK_URL: `http://127.0.0.1:${ports.payment}/v1/webhooks/provider`,
      PROVIDER_WEBHOOK_SECRET: webhookSecret,
      PROVIDER_RETRY_BASE_MS: '100',
      PROVIDER_RETRY_MAX_MS: '1000',
    }),
  );
  processes.set('inventory', await startService('inventory', ports.inventory, common('inventory')));
  processes.set(
    'payment',
    await startService('payment', ports.payment, {
      ...common('payment'),
      PAYMENT_PROVIDER_URL: providerUrl,
      PAYMENT_WEBHOOK_SECRETS: webhookSecret,
      ORDER_URL: `http://127.0.0.1:${ports.order}`,
    }),
  );
  processes.set('order', await startService('order', ports.order, { ...common('order'), PAYMENT_URL: `http://127.0.0.1:${ports.payment}` }));

  await waitUntilReady(processes, (name) => (name === 'provider' ? '/health/live' : '/health/ready'));
});

t.teardown(() => runCleanups(cleanups));

t.test('order → payment → CONFIRMED through the real broker, with one trace id across order, inventory and payment logs', async (t) => {
  const ops = token(`ops-${runId}`, ['ops']);
  const shopper = `shopper-${runId}`;
  const shopperToken = token(shopper, ['shopper']);
  const inventory = service('inventory');
  const order = service('order');
  const payment = service('payment');
  const provider = service('provider');

  // A sale, armed explicitly through the ops API.
  const { saleId } = await openSale(inventory.url, ops, {
    skuId: `e2e-sku-${runId}`,
    name: 'End-to-end sneaker',
    stock: 5,
    perUserLimit: 1,
    holdTtlSeconds: 600,
    openedMsAgo: 60_000,
  });

  // The order, under a trace id of the test's choosing.
  const traceId = randomBytes(16).toString('hex');
  const placed = await call(order.url, 'POST', '/v1/orders', {
    auth: shopperToken,
    body: { sale_id: saleId, quantity: 1 },
    headers: { 'idempotency-key': randomUUID(), traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
  });
  t.equal(placed.status, 201, `order accepted: ${JSON.stringify(placed.json)}`);
  const orderId = String(placed.json.id);

  // The payment service learns of the order from order.created, then opens a payment for it.
  const opened = await waitFor(
    async () => {
      const response = await call(payment.url, 'POST', `/v1/orders/${orderId}/payments`, { auth: shopperToken, body: {} });
      return response.status === 201 || response.status === 200 ? response.json : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200, what: 'the payment service to know the order' },
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\n--- payment\n${payment.tail()}\n--- order\n${order.tail()}`);
  });
  t.equal(opened.amount_minor, 4999, 'the payment is for the order amount');
  const completed = await call(provider.url, 'POST', `/v1/payments/${String(opened.provider.payment_id)}/complete`, { body: {} });
  t.equal(completed.status, 200, 'the provider completes the payment');

  // Webhook → payment.completed → PAID; stock.committed → CONFIRMED.
  const confirmed = await waitFor(
    async () => {
      const response = await call(order.url, 'GET', `/v1/orders/${orderId}`, { auth: shopperToken });
      return response.json.status === 'CONFIRMED' ? response.json : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200, what: 'the order to be CONFIRMED' },
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}\n--- order\n${order.tail()}\n--- payment\n${payment.tail()}\n--- inventory\n${inventory.tail()}`);
  });
  t.match(
    (confirmed.history as Array<{ to: string }>).map((step) => step.to),
    ['PENDING', 'PAID', 'CONFIRMED'],
    'the history shows every step',
  );

  // Each consumer subscribed to the test's own topics only.
  for (const running of [inventory, payment, order]) {
    const started = running.lines.find((line) => line.json?.msg === 'event consumer started')?.json?.topics as string[] | undefined;
    t.ok(
      started && started.length > 0 && started.every((topic) => topic.startsWith(topicPrefix)),
      `${running.name} consumes only ${topicPrefix}* topics: ${JSON.stringify(started)}`,
    );
  }

  // The trace id, end to end: each service logged the events it handled under it.
  const tracedEvents = (running: ServiceProcess) =>
    running.lines.filter((line) => line.json?.trace_id === traceId).map((line) => String(line.json?.event_type ?? line.json?.msg));
  const expected: Array<[ServiceProcess, string]> = [
    [inventory, 'order.created.v1'],
    [payment, 'order.created.v1'],
    [order, 'payment.completed.v1'],
    [order, 'stock.committed.v1'],
  ];
  for (const [running, eventType] of expected) {
    const found = await waitFor(() => tracedEvents(running).includes(eventType), { timeoutMs: 5_000, what: `${running.name} to log ${eventType}` }).catch(
      () => false,
    );
    t.ok(found, `${running.name} logged ${eventType} under trace ${traceId}; traced lines: ${JSON.stringify(tracedEvents(running))}`);
  }
});
