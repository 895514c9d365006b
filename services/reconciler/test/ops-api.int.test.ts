// The ops surface: run a job over HTTP, trace an order through every schema, bull-board behind the platform-ops role.
import { randomUUID } from 'node:crypto';
import { bullmqPrefix, signToken } from '@flash-sale/service-kit';
import { Queue } from 'bullmq';
import type { TopicAdmin } from '@flash-sale/events';
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { advance, createFixture } from './support/reconciler-fixture.ts';

t.test('ops run a job and trace an order; platform-ops open bull-board; shoppers cannot', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const connection = f.redisConnection({ maxRetriesPerRequest: null, enableAutoPipelining: false });
  const queueName = `reconciliation-${randomUUID()}`;
  const queue = new Queue(queueName, { connection, prefix: bullmqPrefix(queueName, f.prefix) });
  t.teardown(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
    connection.disconnect();
  });
  const app = await buildApp({ jobs: f.deps, kafkaAdmin: {} as TopicAdmin, jwtSecret: 'test-secret-at-least-16-chars', queues: [queue] });
  t.teardown(() => app.close());
  const ops = { authorization: `Bearer ${signToken(app, { userId: 'ops-1', tenantId: 't1', roles: ['ops'] })}` };
  const shopper = { authorization: `Bearer ${signToken(app, { userId: 'u-1', tenantId: 't1', roles: ['shopper'] })}` };

  const sale = await f.seedSale({ stock: 3, holdTtlSeconds: 60 });
  const orderId = await f.placeOrder(sale, { quantity: 2 });
  await f.commitStock(sale, orderId);
  advance(f, 3 * 60_000);

  t.equal((await app.inject({ method: 'POST', url: '/v1/ops/reconciliation/overdue-pending', headers: shopper })).statusCode, 403);
  t.equal((await app.inject({ method: 'POST', url: '/v1/ops/reconciliation/no-such-job', headers: ops })).statusCode, 404);
  const run = await app.inject({ method: 'POST', url: '/v1/ops/reconciliation/overdue-pending', headers: ops });
  t.equal(run.statusCode, 200);
  t.match(run.json(), { run: { job: 'overdue-pending', triggeredBy: 'http', anomalies: { pending_past_expiry: 1 }, repaired: 1 } });
  const runs = await app.inject({ method: 'GET', url: '/v1/ops/reconciliation/runs?job=overdue-pending', headers: ops });
  t.equal(runs.json().runs.length, 1);

  const trace = await app.inject({ method: 'GET', url: `/v1/ops/orders/${orderId}/trace`, headers: ops });
  t.equal(trace.statusCode, 200);
  const body = trace.json<{
    order: { status: string };
    history: { to_status: string }[];
    inventory: { audit: { operation: string }[]; reservation: { status: string } };
    redis: { hold: unknown };
    events: { event_type: string; service: string }[];
    timeline: unknown[];
  }>();
  t.equal(body.order.status, 'EXPIRED');
  t.same(
    body.history.map((row) => row.to_status),
    ['PENDING', 'EXPIRED'],
  );
  t.same(
    body.inventory.audit.map((row) => row.operation),
    ['decrease', 'release'],
  );
  t.equal(body.inventory.reservation.status, 'released');
  t.match(body.redis.hold, { s: 'R', q: 2 });
  t.ok(body.events.some((event) => event.event_type === 'order.expired.v1' && event.service === 'order'));
  t.ok(body.events.some((event) => event.event_type === 'stock.released.v1' && event.service === 'inventory'));
  t.ok(body.timeline.length >= 6, 'one timeline across order, outboxes and audit');
  t.equal((await app.inject({ method: 'GET', url: `/v1/ops/orders/${randomUUID()}/trace`, headers: ops })).statusCode, 404);
  const otherTenant = { authorization: `Bearer ${signToken(app, { userId: 'ops-2', tenantId: 't2', roles: ['ops'] })}` };
  t.equal((await app.inject({ method: 'GET', url: `/v1/ops/orders/${orderId}/trace`, headers: otherTenant })).statusCode, 404, 'scoped by tenant');

  t.equal((await app.inject({ method: 'GET', url: '/ops/queues', headers: shopper })).statusCode, 403);
  t.equal((await app.inject({ method: 'GET', url: '/ops/queues' })).statusCode, 401);
  t.equal(
    (await app.inject({ method: 'GET', url: '/ops/queues/api/queues', headers: ops })).statusCode,
    403,
    "the queues serve every tenant: not for one tenant's ops",
  );
  const platformOps = { authorization: `Bearer ${signToken(app, { userId: 'platform-1', tenantId: 't1', roles: ['platform-ops'] })}` };
  const board = await app.inject({ method: 'GET', url: '/ops/queues/api/queues', headers: platformOps });
  t.equal(board.statusCode, 200);
  t.ok(JSON.stringify(board.json()).includes(queue.name), 'bull-board lists the queue');
});
