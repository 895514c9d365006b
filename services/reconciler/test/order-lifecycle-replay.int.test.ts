// The order-lifecycle replay from Kafka: books built the way the services build them, their events
// on uuid-named topics of the real broker. Idempotent and trusted on healthy books; a status the
// events contradict is found, repaired on request and then trusted; duplicates are counted; a
// time-bounded scope leaves earlier orders unjudged.
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
import type { Envelope } from '@flash-sale/events';
import { resolveServers } from '@flash-sale/testkit';
import type { RowDataPacket } from 'mysql2/promise';
import t from 'tap';
import { replayOrderLifecycle } from '../src/application/replay/order-lifecycle.replay.ts';
import { createOrderEvents, type OrderEvents } from './support/order-events.ts';
import { createFixture, type Fixture, type SeededSale } from './support/reconciler-fixture.ts';

async function status(f: Fixture, orderId: string): Promise<string> {
  const [rows] = await f.order.pool.query<RowDataPacket[]>('SELECT status FROM orders WHERE id = ?', [orderId]);
  return String(rows[0]?.status);
}

/** An order paid and confirmed: its rows in every schema, and its three events. */
async function confirmedOrder(f: Fixture, sale: SeededSale, events: OrderEvents, at?: Date): Promise<{ orderId: string; paymentId: string }> {
  const orderId = await f.placeOrder(sale);
  await events.created(orderId, at);
  await f.commitStock(sale, orderId);
  await events.stockCommitted(orderId, at);
  const paymentId = randomUUID();
  await f.payment.pool.query(
    "INSERT INTO payments (id, order_id, tenant_id, user_id, amount_minor, currency, status, transaction_id) VALUES (?, ?, 't1', 'u1', 1000, 'EUR', 'COMPLETED', ?)",
    [paymentId, orderId, `tx-${paymentId}`],
  );
  await events.paymentCompleted(orderId, paymentId, at);
  await f.setOrderStatus(orderId, 'PAID', 'payment completed');
  await f.setOrderStatus(orderId, 'CONFIRMED', 'paid and stock committed');
  return { orderId, paymentId };
}

/** An order that expired unpaid; a failed payment attempt came before. */
async function expiredOrder(f: Fixture, sale: SeededSale, events: OrderEvents): Promise<{ orderId: string; expiry: Envelope }> {
  const orderId = await f.placeOrder(sale);
  await events.created(orderId);
  await events.paymentFailed(orderId);
  await f.setOrderStatus(orderId, 'EXPIRED', 'payment deadline passed');
  return { orderId, expiry: await events.expired(orderId) };
}

t.test('a replay run twice changes nothing and is trusted', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const events = await createOrderEvents(t.teardown.bind(t));
  const sale = await f.seedSale();
  await confirmedOrder(f, sale, events);
  await expiredOrder(f, sale, events);
  const pending = await f.placeOrder(sale);
  await events.created(pending);

  const first = await replayOrderLifecycle(f.deps, { from: { offset: 0 }, apply: true, topics: events.topics });
  const second = await replayOrderLifecycle(f.deps, { from: { offset: 0 }, apply: true, topics: events.topics });
  for (const run of [first, second]) {
    t.same(run.evidence, { events_processed: 7, duplicates_skipped: 0, projections_changed: 0, reconciliation_failures: 0, confidence_status: 'trusted' });
  }
  t.same(first.scope, second.scope, 'the same bounded scope');
  const [stored] = await f.reconciler.pool.query<RowDataPacket[]>(
    "SELECT confidence_status, projections_changed, details FROM replay_runs WHERE flow = 'order-lifecycle' ORDER BY id",
  );
  t.same(
    stored.map((row) => [row.confidence_status, Number(row.projections_changed)]),
    [
      ['trusted', 0],
      ['trusted', 0],
    ],
  );
  t.match(JSON.parse(String(stored[0]?.details)), { orders_judged: 3, refused_by_state_machine: 0, undecodable_records: 0 });
});

t.test('a status the events contradict: reported, untrusted, repaired on request, then trusted', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const events = await createOrderEvents(t.teardown.bind(t));
  const sale = await f.seedSale();
  const { orderId, paymentId } = await confirmedOrder(f, sale, events);
  await expiredOrder(f, sale, events);
  // Flipped in SQL with a history row: every SQL invariant still holds; only the events disagree.
  await f.setOrderStatus(orderId, 'PENDING', 'corrupted');

  const dryRun = await replayOrderLifecycle(f.deps, { from: { offset: 0 }, apply: false, topics: events.topics });
  t.equal(dryRun.evidence.projections_changed, 1);
  t.equal(dryRun.evidence.confidence_status, 'untrusted');
  t.ok(
    Object.values(dryRun.invariants).every((violations) => violations === 0),
    'the SQL invariants alone see nothing',
  );
  t.same(dryRun.changes, [{ orderId, live: 'PENDING', projected: 'CONFIRMED', repair: ['pay', 'confirm'], repaired: false }]);
  t.equal(await status(f, orderId), 'PENDING', 'a dry run changes nothing');

  const repair = await replayOrderLifecycle(f.deps, { from: { offset: 0 }, apply: true, topics: events.topics });
  t.match(repair.evidence, { projections_changed: 1, reconciliation_failures: 0, confidence_status: 'trusted' });
  t.equal(await status(f, orderId), 'CONFIRMED');
  const [order] = await f.order.pool.query<RowDataPacket[]>('SELECT payment_id FROM orders WHERE id = ?', [orderId]);
  t.equal(order[0]?.payment_id, paymentId, 'paid with the payment its event names');
  const [history] = await f.order.pool.query<RowDataPacket[]>('SELECT to_status, cause FROM order_status_history WHERE order_id = ? ORDER BY id DESC LIMIT 2', [
    orderId,
  ]);
  t.same(
    history.map((row) => row.to_status),
    ['CONFIRMED', 'PAID'],
  );
  t.ok(
    history.every((row) => /^reconciler: replay order-lifecycle from offset 0/.test(String(row.cause))),
    'the history names the replay',
  );

  const again = await replayOrderLifecycle(f.deps, { from: { offset: 0 }, apply: true, topics: events.topics });
  t.match(again.evidence, { projections_changed: 0, confidence_status: 'trusted' });
});

t.test('a status the state machine cannot reach back from stays untrusted after --apply', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const events = await createOrderEvents(t.teardown.bind(t));
  const sale = await f.seedSale();
  const orderId = await f.placeOrder(sale);
  await events.created(orderId);
  await f.setOrderStatus(orderId, 'CANCELLED', 'corrupted');

  const run = await replayOrderLifecycle(f.deps, { from: { offset: 0 }, apply: true, topics: events.topics });
  t.match(run.changes, [{ orderId, live: 'CANCELLED', projected: 'PENDING', repair: null, repaired: false }]);
  t.match(run.evidence, { projections_changed: 1, reconciliation_failures: 1, confidence_status: 'untrusted' });
  t.equal(await status(f, orderId), 'CANCELLED', 'no order is ever moved backwards');
});

t.test('a duplicated event id is skipped and counted', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const events = await createOrderEvents(t.teardown.bind(t));
  const sale = await f.seedSale();
  const { orderId } = await confirmedOrder(f, sale, events);
  const { orderId: expired, expiry } = await expiredOrder(f, sale, events);
  // The expiry published three times (a relay crashed twice before marking its row), then a late
  // payment for the expired order: neither may move it.
  await events.republish(expiry);
  await events.republish(expiry);
  await events.paymentCompleted(expired, randomUUID());

  const run = await replayOrderLifecycle(f.deps, { from: { offset: 0 }, apply: true, topics: events.topics });
  t.same(run.evidence, { events_processed: 9, duplicates_skipped: 2, projections_changed: 0, reconciliation_failures: 0, confidence_status: 'trusted' });
  const [stored] = await f.reconciler.pool.query<RowDataPacket[]>('SELECT duplicates_skipped, details FROM replay_runs WHERE id = ?', [run.runId]);
  t.equal(Number(stored[0]?.duplicates_skipped), 2, 'stored with the evidence');
  t.match(JSON.parse(String(stored[0]?.details)), { refused_by_state_machine: 1 });
  t.equal(await status(f, orderId), 'CONFIRMED');
  t.equal(await status(f, expired), 'EXPIRED');
});

t.test('--from-time: earlier events are out of scope and their orders are not judged', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const events = await createOrderEvents(t.teardown.bind(t));
  const sale = await f.seedSale();
  const hourAgo = new Date(Date.now() - 3600_000);
  // Created an hour ago; its payment event is lost from the live books (still PENDING).
  const early = await f.placeOrder(sale);
  await events.created(early, hourAgo);
  await events.paymentCompleted(early, randomUUID(), hourAgo);
  // Created an hour ago, paid within the scope: the replay cannot see its creation, so never judges it.
  const straddling = await f.placeOrder(sale);
  await events.created(straddling, hourAgo);
  await events.paymentCompleted(straddling, randomUUID());
  const recent = await f.placeOrder(sale);
  await events.created(recent);

  const cut = new Date(Date.now() - 60_000);
  const scoped = await replayOrderLifecycle(f.deps, { from: { time: cut }, apply: false, topics: events.topics });
  t.same(scoped.evidence, { events_processed: 2, duplicates_skipped: 0, projections_changed: 0, reconciliation_failures: 0, confidence_status: 'trusted' });
  const [stored] = await f.reconciler.pool.query<RowDataPacket[]>('SELECT scope, details FROM replay_runs WHERE id = ?', [scoped.runId]);
  t.match(JSON.parse(String(stored[0]?.details)), { orders_judged: 1, orders_outside_scope: 1 });
  t.match(JSON.parse(String(stored[0]?.scope)), { from: { time: cut.toISOString() } });

  const everything = await replayOrderLifecycle(f.deps, { from: { offset: 0 }, apply: false, topics: events.topics });
  t.equal(everything.evidence.events_processed, 5);
  t.same(everything.changes.map((change) => change.orderId).sort(), [early, straddling].sort(), 'from the start both payments are judged');
});

t.test('the CLI replays a topic scope and prints the evidence record', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const events = await createOrderEvents(t.teardown.bind(t));
  const sale = await f.seedSale();
  await confirmedOrder(f, sale, events);
  const servers = await resolveServers();
  const args = [
    'src/replay.cli.ts',
    'order-lifecycle',
    '--from-offset',
    '0',
    ...Object.entries(events.topics).flatMap(([type, topic]) => ['--topic', `${type}=${topic}`]),
  ];
  const child = spawn(process.execPath, args, {
    cwd: new URL('..', import.meta.url).pathname,
    env: {
      ...process.env,
      LOG_LEVEL: 'error',
      MYSQL_URL: f.reconciler.url,
      REDIS_URL: servers.redisUrl,
      KAFKA_BROKERS: servers.kafkaBrokers.join(','),
      ...servers.kafkaCredentials,
      JWT_SECRET: 'replay-cli-test-secret-0123456789abcdef',
      // Each service database by its own URL, whatever the shell's stack settings say.
      RECONCILER_ORDER_MYSQL_URL: f.order.url,
      RECONCILER_PAYMENT_MYSQL_URL: f.payment.url,
      RECONCILER_INVENTORY_MYSQL_URL: f.inventory.url,
      ORDER_SCHEMA: f.order.name,
      PAYMENT_SCHEMA: f.payment.name,
      INVENTORY_SCHEMA: f.inventory.name,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  t.equal(code, 0, code === 0 ? 'trusted: exit code 0' : stderr);
  t.match(JSON.parse(stdout), {
    applied: false,
    events_processed: 3,
    duplicates_skipped: 0,
    projections_changed: 0,
    reconciliation_failures: 0,
    confidence_status: 'trusted',
  });
});
