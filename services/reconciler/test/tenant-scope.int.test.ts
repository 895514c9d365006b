// Jobs repair every tenant; what each caller may see of that, and who may touch the global queues.
import { randomBytes, randomUUID } from 'node:crypto';
import { bullmqPrefix, signToken, type Role } from '@flash-sale/service-kit';
import { Queue } from 'bullmq';
import type { TopicAdmin } from '@flash-sale/events';
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { advance, createFixture } from './support/reconciler-fixture.ts';

const setUp = async (t: { teardown: (fn: () => unknown) => void }) => {
  const f = await createFixture(t.teardown.bind(t));
  const connection = f.redisConnection({ maxRetriesPerRequest: null, enableAutoPipelining: false });
  const queueName = `reconciliation-${randomUUID()}`;
  const queue = new Queue(queueName, { connection, prefix: bullmqPrefix(queueName, f.prefix) });
  t.teardown(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
  });
  const app = await buildApp({
    jobs: f.deps,
    kafkaAdmin: {} as TopicAdmin,
    jwtSecret: 'test-secret-at-least-16-chars',
    queues: [queue],
    keyPrefix: `${randomUUID()}:`,
  });
  t.teardown(() => app.close());
  const as = (userId: string, tenantId: string, roles: Role[]) => ({ authorization: `Bearer ${signToken(app, { userId, tenantId, roles })}` });
  return { f, app, queue, as };
};

t.test("an ops user sees only its own tenant's order ids in run evidence and traces; platform-ops sees every tenant's", async (t) => {
  const { f, app, as } = await setUp(t);
  const ops1 = as('ops-1', 't1', ['ops']);
  const ops2 = as('ops-2', 't2', ['ops']);
  const platform = as('platform-1', 'platform', ['platform-ops']);

  const sale1 = await f.seedSale({ stock: 3, holdTtlSeconds: 60, tenantId: 't1' });
  const sale2 = await f.seedSale({ stock: 3, holdTtlSeconds: 60, tenantId: 't2' });
  const order1 = await f.placeOrder(sale1, { quantity: 1 });
  const order2 = await f.placeOrder(sale2, { quantity: 1 });
  advance(f, 3 * 60_000);

  const run = await app.inject({ method: 'POST', url: '/v1/ops/reconciliation/overdue-pending', headers: ops1 });
  t.equal(run.statusCode, 200);
  t.match(run.json(), { run: { anomalies: { pending_past_expiry: 2 }, repaired: 2, sampleIds: [order1], sampleScope: { tenant: 't1', withheld: 1 } } });
  t.notOk(run.body.includes(order2), "the other tenant's order id appears nowhere in the answer");

  const runsOf = async (headers: Record<string, string>) => {
    const response = await app.inject({ method: 'GET', url: '/v1/ops/reconciliation/runs?job=overdue-pending', headers });
    t.equal(response.statusCode, 200);
    return response.json<{ runs: { sampleIds: string[] }[] }>().runs[0]?.sampleIds;
  };
  t.same(await runsOf(ops1), [order1]);
  t.same(await runsOf(ops2), [order2]);
  t.same([...((await runsOf(platform)) ?? [])].sort(), [order1, order2].sort());

  t.equal((await app.inject({ method: 'GET', url: `/v1/ops/orders/${order2}/trace`, headers: ops1 })).statusCode, 404);
  t.equal((await app.inject({ method: 'GET', url: `/v1/ops/orders/${order2}/trace`, headers: ops2 })).statusCode, 200);
  const across = await app.inject({ method: 'GET', url: `/v1/ops/orders/${order2}/trace`, headers: platform });
  t.equal(across.statusCode, 200, 'platform-ops trace any tenant');
  t.equal(across.json<{ order: { tenant_id: string } }>().order.tenant_id, 't2');
});

t.test('bull-board and its pause button are for platform-ops only; a tenant ops user cannot pause the global queue', async (t) => {
  const { app, queue, as } = await setUp(t);
  const ops = as('ops-1', 't1', ['ops']);
  const platform = as('platform-1', 'platform', ['platform-ops']);
  for (const [method, url] of [
    ['GET', '/ops/queues'],
    ['GET', '/ops/queues/api/queues'],
    ['PUT', `/ops/queues/api/queues/${queue.name}/pause`],
    ['PUT', '/ops/queues/api/queues/pause'],
  ] as const) {
    const refused = await app.inject({ method, url, headers: ops });
    t.equal(refused.statusCode, 403, `${method} ${url}`);
    t.same(
      refused.json(),
      { error: { code: 'FORBIDDEN', message: 'requires the platform-ops role', details: {} } },
      `${method} ${url} refused in the error contract`,
    );
  }
  const anonymous = await app.inject({ method: 'GET', url: '/ops/queues/api/queues' });
  t.equal(anonymous.statusCode, 401);
  t.match(anonymous.json(), { error: { code: 'UNAUTHORIZED' } }, 'no token: 401 in the error contract');
  t.equal(await queue.isPaused(), false, 'the queue still runs');
  t.equal((await app.inject({ method: 'GET', url: '/ops/queues/api/queues', headers: platform })).statusCode, 200);
  t.equal((await app.inject({ method: 'PUT', url: `/ops/queues/api/queues/${queue.name}/pause`, headers: platform })).statusCode, 200);
  t.equal(await queue.isPaused(), true, 'platform-ops may pause it');
});

t.test('a shopper posting garbage to a reconciler ops route gets 403 without validation detail; no token gets 401; forged tokens run into 429', async (t) => {
  const { app, as } = await setUp(t);
  const shopper = as('u-1', 't1', ['shopper']);
  for (const [method, url] of [
    ['POST', '/v1/ops/reconciliation/%7Bnot-a-job%7D'],
    ['GET', '/v1/ops/reconciliation/runs?limit=banana'],
    ['GET', `/v1/ops/orders/${'x'.repeat(100)}/trace`],
  ] as const) {
    const response = await app.inject({ method, url, headers: shopper, ...(method === 'POST' ? { payload: { garbage: true } } : {}) });
    t.equal(response.statusCode, 403, `${method} ${url}`);
    t.same(response.json().error.details, {});
    t.equal((await app.inject({ method, url })).statusCode, 401, `${method} ${url} without a token`);
  }
  const statuses: number[] = [];
  for (let i = 0; i < 80; i += 1) {
    statuses.push(
      (await app.inject({ method: 'GET', url: '/v1/ops/reconciliation/runs', headers: { authorization: `Bearer ${randomBytes(32).toString('base64url')}` } }))
        .statusCode,
    );
  }
  t.ok(statuses.includes(429), 'forged tokens from one address are cut off');
});
