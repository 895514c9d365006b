/**
 * One consumer (one group join, which is the slow part) serves every scenario of this file; each
 * scenario uses its own event type, so its own uuid-named topic. The crash scenario is the
 * exception: it runs its consumers in child processes (support/consumer-process.ts) to kill one.
 */
import t from 'tap';
import { Registry } from 'prom-client';
import type mysql from 'mysql2/promise';
import { createTestDatabase, waitFor } from '@flash-sale/testkit';
import { createTestKafka } from '../src/testing/index.ts';
import {
  TerminalError,
  createEventConsumer,
  createOutboxRelay,
  orderCancelled,
  orderCreated,
  orderExpired,
  platformMigrationsDir,
  prepareEvent,
  readDeadLetters,
  redrive,
  selectRecords,
  writeOutbox,
  type EventHandler,
  type PendingEvent,
} from '../src/index.ts';
import { captureLogs, count, metricValue, prometheusValue, startConsumerProcess, topicSize, within } from './support/harness.ts';

const db = await createTestDatabase(t.teardown.bind(t), { migrationsDirs: [platformMigrationsDir] });
const { kafka, brokers, credentials, createTopic, groupId } = await createTestKafka(t.teardown.bind(t));
await db.pool.query('CREATE TABLE effects (id BIGINT AUTO_INCREMENT PRIMARY KEY, event_id CHAR(36) NOT NULL, order_id VARCHAR(64) NOT NULL)');

const topics = {
  [orderCreated.type]: await createTopic({ numPartitions: 2 }),
  [orderCancelled.type]: await createTopic({ numPartitions: 1 }),
  [orderExpired.type]: await createTopic({ numPartitions: 1 }),
};
const dlq = await createTopic();
const quarantine = await createTopic();
const topicFor = (type: string) => topics[type]!;
const logs = captureLogs();
const metrics = new Registry();
const PII = 'alice.private@example.com';
const attemptsSeen = new Map<string, number[]>();

const recordEffect: EventHandler = async (event, ctx) => {
  ctx.logger.info({ event }, 'handling'); // a careless handler logging the whole event: PII must still not leak
  await ctx.tx.query('INSERT INTO effects (event_id, order_id) VALUES (?, ?)', [event.id, (event.payload as { order_id: string }).order_id]);
};
/** sku 'flaky' fails its first 4 attempts (all of one delivery); 'terminal' refuses outright. */
const flakyOrTerminal: EventHandler = async (event, ctx) => {
  const payload = event.payload as { sku_id: string; order_id: string };
  const seen = attemptsSeen.get(event.id) ?? [];
  seen.push(Date.now());
  attemptsSeen.set(event.id, seen);
  if (payload.sku_id === 'terminal') throw new TerminalError('sale no longer exists');
  if (payload.sku_id === 'flaky' && seen.length <= 4) throw new Error(`warehouse timeout #${seen.length}`);
  await recordEffect(event, ctx);
};

const consumerOptions = {
  consumer: 'inventory',
  kafka,
  pool: db.pool,
  logger: logs.logger,
  metrics,
  handlers: { [orderCreated.type]: recordEffect, [orderCancelled.type]: recordEffect, [orderExpired.type]: flakyOrTerminal },
  retry: { maxAttempts: 4, initialDelayMs: 150, maxDelayMs: 5000 },
  topicFor,
  deadLetterTopic: dlq,
  quarantineTopic: quarantine,
  consumerConfig: { maxWaitTimeInMs: 200 },
};
const consumer = createEventConsumer({ ...consumerOptions, groupId: groupId() });
await consumer.start();
t.teardown(() => consumer.stop());

const context = (orderId: string) => ({ source: 'test', tenantId: 'tenant-a', correlationId: `corr-${orderId}` });
const created = (orderId: string) =>
  prepareEvent(
    { ...orderCreated, topic: topicFor(orderCreated.type) },
    {
      order_id: orderId,
      sale_id: 's',
      sku_id: 'k',
      quantity: 1,
      user_id: PII,
      unit_price_minor: 100,
      total_minor: 100,
      currency: 'EUR',
      expires_at: new Date().toISOString(),
    },
    { ...context(orderId), traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' },
    new Date(),
  );
const effectsOf = (orderId: string) => count(db.pool, 'SELECT COUNT(*) FROM effects WHERE order_id = ?', [orderId]);
const processed = (outcome: string, type = orderCreated.type) => metricValue(metrics, 'event_processed_total', { consumer: 'inventory', type, outcome });

async function produce(type: string, messages: { key: string; value: string | null; headers?: Record<string, string> }[]) {
  const producer = kafka.publisher();
  await producer.connect();
  await producer.send({ topic: topicFor(type), acks: -1, messages });
  await producer.disconnect();
}
const asMessage = (event: PendingEvent) => ({
  key: event.envelope.metadata.partition_key,
  value: JSON.stringify(event.envelope),
  headers: { 'event-id': event.envelope.id },
});

t.test('relay killed after the broker acked, before marking: published twice, effect once', async (t) => {
  const event = created('killed-relay');
  await writeOutbox(db.pool, [event]);
  const relay1 = createOutboxRelay({ pool: db.pool, kafka, logger: logs.logger, metrics: new Registry(), service: 'relay-1' });
  const relay2 = createOutboxRelay({ pool: db.pool, kafka, logger: logs.logger, metrics: new Registry(), service: 'relay-2' });
  t.teardown(() => relay2.stop());

  // Hold the row lock so relay-1's "mark published" UPDATE waits after the broker acked…
  const blocker: mysql.PoolConnection = await db.pool.getConnection();
  await blocker.beginTransaction();
  await blocker.query('SELECT id FROM outbox WHERE event_id = ? FOR UPDATE', [event.envelope.id]);
  const pass = relay1.runOnce();
  const [killed] = await Promise.all([
    pass.then(
      () => false,
      () => true,
    ),
    (async () => {
      const row = await waitFor(
        async () => {
          const [rows] = await db.pool.query<mysql.RowDataPacket[]>(
            "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ? AND INFO LIKE 'UPDATE outbox SET published_at%'",
            [db.name],
          );
          return rows[0];
        },
        { what: 'relay-1 blocked on marking' },
      );
      t.equal(await topicSize(kafka, topicFor(orderCreated.type)), 1, 'the broker already holds the event');
      // …then kill relay-1 there: its connection (and with it its lease) dies.
      await db.pool.query(`KILL ${Number(row.ID)}`);
    })(),
  ]);
  await blocker.rollback();
  blocker.release();
  await relay1.stop();
  t.ok(killed, 'relay-1 died before marking');

  t.equal(await relay2.runOnce(), 1, 'relay-2 finds the row unmarked and publishes it again');
  t.equal(await topicSize(kafka, topicFor(orderCreated.type)), 2, 'published twice');
  await waitFor(async () => (await processed('duplicate')) >= 1, { what: 'the second copy skipped as a duplicate' });
  t.equal(await effectsOf('killed-relay'), 1, 'effect once');
});

t.test('a poison pill is quarantined and the messages behind it on its partition are handled', async (t) => {
  const before = prepareEvent(
    { ...orderCancelled, topic: topicFor(orderCancelled.type) },
    { order_id: 'poison-before', sale_id: 's', sku_id: 'k', quantity: 1, reason: 'r' },
    context('poison-before'),
    new Date(),
  );
  const after = prepareEvent(
    { ...orderCancelled, topic: topicFor(orderCancelled.type) },
    { order_id: 'poison-after', sale_id: 's', sku_id: 'k', quantity: 1, reason: 'r' },
    context('poison-after'),
    new Date(),
  );
  const invalid = { ...before.envelope, id: crypto.randomUUID(), payload: { ...before.envelope.payload, quantity: 'three' } };
  await produce(orderCancelled.type, [
    asMessage(before),
    { key: 'poison', value: '{"this is": not json', headers: { 'x-origin': 'fuzzer' } },
    { key: 'poison', value: JSON.stringify(invalid) },
    asMessage(after),
  ]);
  await waitFor(async () => (await effectsOf('poison-after')) === 1, { what: 'the message behind the poison handled' });
  t.equal(await effectsOf('poison-before'), 1);

  const entries = await readDeadLetters(kafka, quarantine);
  t.same(
    entries.map((record) => record.entry.error.code),
    ['MALFORMED_JSON', 'INVALID_PAYLOAD'],
  );
  const [malformed, invalidPayload] = entries.map((record) => record.entry);
  t.equal(malformed?.kind, 'quarantined');
  t.equal(malformed?.attempts, 1);
  t.same(malformed?.original.headers, { 'x-origin': 'fuzzer' }, 'original headers kept');
  t.equal(malformed?.original.topic, topicFor(orderCancelled.type));
  t.equal(Buffer.from(malformed!.original.value!, 'base64').toString(), '{"this is": not json', 'original bytes kept for redrive');
  t.match(invalidPayload?.error, { code: 'INVALID_PAYLOAD', message: String, details: { issues: [{ path: 'quantity' }] } });
  t.equal(await metricValue(metrics, 'event_quarantined_total', { consumer: 'inventory' }), 2);
});

t.test('a transient failure retries with growing delays, lands in the DLQ, and redrive brings it back', async (t) => {
  const expiredOn = { ...orderExpired, topic: topicFor(orderExpired.type) };
  const flaky = prepareEvent(expiredOn, { order_id: 'flaky-order', sale_id: 's', sku_id: 'flaky', quantity: 1 }, context('flaky-order'), new Date());
  const terminal = prepareEvent(
    expiredOn,
    { order_id: 'terminal-order', sale_id: 's', sku_id: 'terminal', quantity: 1 },
    context('terminal-order'),
    new Date(),
  );
  await produce(orderExpired.type, [asMessage(flaky), asMessage(terminal)]);

  const records = await waitFor(
    async () => {
      const found = await readDeadLetters(kafka, dlq);
      return found.length >= 2 ? found : undefined;
    },
    { what: 'two dead-letter entries', timeoutMs: 30_000 },
  );
  const flakyRecord = records.find((record) => record.entry.event.id === flaky.envelope.id)!;
  t.equal(flakyRecord.entry.kind, 'dead-lettered');
  t.equal(flakyRecord.entry.attempts, 4, 'attempt count');
  t.match(flakyRecord.entry.error, { code: 'HANDLER_RETRIES_EXHAUSTED', message: 'warehouse timeout #4' }, 'the last error');
  t.match(flakyRecord.entry.original, { topic: topicFor(orderExpired.type), partition: 0, key: Buffer.from('flaky-order').toString('base64') });
  t.equal(flakyRecord.entry.original.headers['event-id'], flaky.envelope.id);

  const times = attemptsSeen.get(flaky.envelope.id)!;
  const gaps = times.slice(1).map((time, i) => time - times[i]!);
  t.equal(gaps.length, 3);
  // Jittered in the upper half of 150·2^(n-1) ms: each wait is at least the doubled floor of the
  // one before, whatever the scheduling noise on a loaded machine adds on top.
  gaps.forEach((gap, i) => t.ok(gap >= 75 * 2 ** i - 5, `retry ${i + 1} waited ${gap} ms (floor ${75 * 2 ** i} ms)`));

  const terminalRecord = records.find((record) => record.entry.event.id === terminal.envelope.id)!;
  t.equal(terminalRecord.entry.attempts, 1, 'a terminal error is dead-lettered at once');
  t.equal(terminalRecord.entry.error.code, 'HANDLER_TERMINAL_ERROR');
  t.equal(attemptsSeen.get(terminal.envelope.id)?.length, 1);
  t.equal(await effectsOf('flaky-order'), 0);

  t.equal(await redrive(kafka, dlq, selectRecords(records, [flakyRecord.offset])), 1);
  await waitFor(async () => (await effectsOf('flaky-order')) === 1, { what: 'the redriven event handled' });
  t.equal(attemptsSeen.get(flaky.envelope.id)?.length, 5, 'handled on the redelivery');
  t.equal(await effectsOf('terminal-order'), 0, 'only the chosen entry was redriven');
  t.equal(await metricValue(metrics, 'event_dead_lettered_total', { consumer: 'inventory' }), 2);
  t.equal(await metricValue(metrics, 'event_failed_total', { consumer: 'inventory', outcome: 'retried' }), 3);
});

t.test(
  'the events of one partition commit together, and a handler failing mid-chunk undoes only itself: order kept, every other handler run once',
  async (t) => {
    // Its own topic and consumer: each effect row records the transaction it committed in, as its
    // connection and that connection's count of commits so far (INNODB_TRX is a cache refreshed at
    // most every 0.1 s, so its trx_id cannot tell two quick transactions apart).
    const topic = await createTopic({ numPartitions: 1 });
    await db.pool.query('CREATE TABLE chunk_effects (id BIGINT AUTO_INCREMENT PRIMARY KEY, order_id VARCHAR(64) NOT NULL, trx_id VARCHAR(32) NOT NULL)');
    const attempts = new Map<string, number>();
    const handler: EventHandler = async (event, ctx) => {
      const orderId = (event.payload as { order_id: string }).order_id;
      attempts.set(orderId, (attempts.get(orderId) ?? 0) + 1);
      await ctx.tx.query(
        "INSERT INTO chunk_effects (order_id, trx_id) SELECT ?, CONCAT(CONNECTION_ID(), ':', VARIABLE_VALUE) FROM information_schema.SESSION_STATUS WHERE VARIABLE_NAME = 'COM_COMMIT'",
        [orderId],
      );
      if (orderId === 'chunk-25' && attempts.get(orderId) === 1) throw new Error('lock wait timeout, once');
    };
    const chunked = createEventConsumer({ ...consumerOptions, groupId: groupId(), handlers: { [orderCreated.type]: handler }, topicFor: () => topic });
    const orderIds = Array.from({ length: 50 }, (_, i) => `chunk-${i}`);
    const producer = kafka.publisher();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: orderIds.map((orderId) => ({ ...asMessage(created(orderId)), key: 'one-sale' })) });
    await producer.disconnect();
    await chunked.start();
    t.teardown(() => chunked.stop());

    await waitFor(async () => (await count(db.pool, 'SELECT COUNT(*) FROM chunk_effects')) >= 50, { what: '50 effects', timeoutMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const [rows] = await db.pool.query('SELECT order_id, trx_id FROM chunk_effects ORDER BY id');
    const effects = rows as { order_id: string; trx_id: string }[];
    t.same(
      effects.map((row) => row.order_id),
      orderIds,
      'each event applied once, in the order of the partition',
    );
    const transactions = new Set(effects.map((row) => row.trx_id)).size;
    t.ok(transactions < 25, `50 events committed in ${transactions} transactions`);
    t.equal(attempts.get('chunk-25'), 2, 'the failed event was tried once in the chunk and once more on its own');
    t.ok(
      orderIds.every((orderId) => orderId === 'chunk-25' || attempts.get(orderId) === 1),
      'no handler that succeeded ran again',
    );
  },
);

t.test('every log line of a handled event carries trace_id and correlation_id; no PII in any log', async (t) => {
  const handling = logs.lines().filter((line) => line.msg === 'handling');
  t.ok(handling.length > 0);
  for (const line of handling) {
    t.match(line, { trace_id: /^[0-9a-f]{32}$/, correlation_id: /^corr-/, event_id: String });
  }
  const createdLine = handling.find((line) => line.event_type === orderCreated.type)!;
  t.equal(createdLine.trace_id, '4bf92f3577b34da6a3ce929d0e0e4736', 'the producer trace id followed the event');
  t.equal((createdLine.event as { payload: { user_id: string } }).payload.user_id, '[redacted]');
  t.notOk(logs.text().includes(PII), 'the PII value appears in no log line');
});

t.test('a consumer process SIGKILLed after its DB commit, before its offset commit: the redelivery is skipped as a duplicate and counted', async (t) => {
  // Its own database, topic and group; the consumer runs in child processes that can really die.
  const own = await createTestDatabase(t.teardown.bind(t), { migrationsDirs: [platformMigrationsDir] });
  await own.pool.query('CREATE TABLE effects (id BIGINT AUTO_INCREMENT PRIMARY KEY, event_id CHAR(36) NOT NULL)');
  const topic = await createTopic();
  const group = groupId();
  const env = {
    DATABASE_URL: own.url,
    KAFKA_BROKERS: brokers.join(','),
    ...credentials,
    CONSUMER_TOPIC: topic,
    CONSUMER_GROUP: group,
    DEAD_LETTER_TOPIC: await createTopic(),
  };
  const admin = kafka.admin();
  await admin.connect();
  t.teardown(() => admin.disconnect());
  /** The group's committed offset on the topic's one partition ('-1': none). */
  const committedOffset = async () => (await admin.fetchOffsets({ groupId: group, topics: [topic] }))[0]?.partitions[0]?.offset;
  const event = (orderId: string) =>
    prepareEvent(
      { ...orderCreated, topic },
      {
        order_id: orderId,
        sale_id: 's',
        sku_id: 'k',
        quantity: 1,
        user_id: 'u',
        unit_price_minor: 100,
        total_minor: 100,
        currency: 'EUR',
        expires_at: new Date().toISOString(),
      },
      context(orderId),
      new Date(),
    );
  const send = async (pending: PendingEvent) => {
    const producer = kafka.publisher();
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: [asMessage(pending)] });
    await producer.disconnect();
  };
  const effectsFor = (eventId: string) => count(own.pool, 'SELECT COUNT(*) FROM effects WHERE event_id = ?', [eventId]);
  const first = event('crash-first');
  const crashing = event('crash-victim');

  const doomed = startConsumerProcess(t.teardown.bind(t), { ...env, CRASH_AFTER_COMMIT_OF: crashing.envelope.id });
  await doomed.ready;
  // The event before it is handled and its offset committed as usual: the group's position is 1…
  await send(first);
  await doomed.explained(waitFor(async () => (await committedOffset()) === '1', { what: 'offset 1 committed', timeoutMs: 30_000 }));
  t.equal(await effectsFor(first.envelope.id), 1);

  // …then the next one kills the process right after its transaction committed.
  await send(crashing);
  const death = await within(doomed.exited, 30_000, 'the consumer process to die', () => doomed.tail());
  t.same(death, { code: null, signal: 'SIGKILL' }, 'killed, not stopped');
  t.same(doomed.reports.at(-1), { crashing: crashing.envelope.id }, 'at the crash point, after the commit of that event');
  t.equal(await effectsFor(crashing.envelope.id), 1, 'its effect committed');
  t.equal(
    await count(own.pool, 'SELECT COUNT(*) FROM consumer_dedupe WHERE event_id = ? AND kafka_offset = 1', [crashing.envelope.id]),
    1,
    'with its dedupe row',
  );
  t.equal(await committedOffset(), '1', 'its offset was never committed: the group still points at it');

  // A new process in the same group (it joins once the broker expired the dead member's session).
  const successor = startConsumerProcess(t.teardown.bind(t), env);
  await successor.ready;
  const outcomes = async () => {
    const text = await successor.metrics();
    const value = (outcome: string) => prometheusValue(text, 'event_processed_total', { consumer: 'inventory', type: orderCreated.type, outcome });
    return { duplicate: value('duplicate'), handled: value('handled') };
  };
  await successor.explained(waitFor(async () => (await outcomes()).duplicate >= 1, { what: 'the redelivery skipped', timeoutMs: 30_000 }));
  t.same(await outcomes(), { duplicate: 1, handled: 0 }, 'redelivered, skipped as a duplicate and counted; nothing handled again');
  t.equal(await effectsFor(crashing.envelope.id), 1, 'the effect is still there once');
  t.equal(await count(own.pool, 'SELECT COUNT(*) FROM effects'), 2, 'no other effect either');

  t.same(await successor.stop(), { code: 0, signal: null }, 'stopped gracefully');
  t.equal(await committedOffset(), '2', 'the skipped redelivery is committed');
});
