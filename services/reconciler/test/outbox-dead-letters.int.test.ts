// Events that never left an outbox (relay stopped) and events a consumer gave up on, against the
// real broker.
import { randomUUID } from 'node:crypto';
import { orderCancelled, prepareEvent, writeOutbox } from '@flash-sale/events';
import { createTestKafka } from '@flash-sale/events/testing';
import type { RowDataPacket } from 'mysql2/promise';
import t from 'tap';
import { runJob } from '../src/application/run-job.ts';
import { deadLettersJob } from '../src/application/jobs/dead-letters.job.ts';
import { stuckOutboxJob } from '../src/application/jobs/stuck-outbox.job.ts';
import { createFixture } from './support/reconciler-fixture.ts';

t.test('outbox rows unpublished for 10 minutes (no relay running) are published, marked and alerted', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const kafka = await createTestKafka(t.teardown.bind(t));
  const topic = await kafka.createTopic();
  const old = new Date(f.clock.now.getTime() - 11 * 60_000);
  const events = ['o-1', 'o-2'].map((orderId) =>
    prepareEvent(
      orderCancelled,
      { order_id: orderId, sale_id: 's', sku_id: 'k', quantity: 1, reason: 'test' },
      { source: 'order-service', tenantId: 't1', correlationId: orderId },
      old,
    ),
  );
  const fresh = prepareEvent(
    orderCancelled,
    { order_id: 'o-3', sale_id: 's', sku_id: 'k', quantity: 1, reason: 'test' },
    { source: 'order-service', tenantId: 't1', correlationId: 'o-3' },
    f.clock.now,
  );
  await writeOutbox(f.order.pool, [...events, fresh]);
  // Point the rows at this test's own topic; the relay that should have sent them is not running.
  await f.order.pool.query('UPDATE outbox SET topic = ?', [topic]);

  const run = await runJob(f.deps, stuckOutboxJob, 'test');
  t.same(run.anomalies, { 'outbox_unpublished:order': 2 });
  t.equal(run.repaired, 2);
  const [rows] = await f.order.pool.query<RowDataPacket[]>('SELECT event_id, published_at FROM outbox ORDER BY id');
  t.same(
    rows.map((row) => row.published_at !== null),
    [true, true, false],
    'the fresh row is left to the relay',
  );
  const admin = kafka.kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  t.equal(
    offsets.reduce((sum, p) => sum + Number(p.high), 0),
    2,
    'both events reached the broker',
  );
  const gauge = await f.deps.metrics.outboxStuck.get();
  t.equal(gauge.values.find((value) => value.labels.service === 'order')?.value, 2, 'alert metric');
  t.match((await f.runs('stuck-outbox'))[0], { rows_checked: 2, anomalies_found: 2, repaired: 2 });
  t.equal((await runJob(f.deps, stuckOutboxJob, 'test')).anomaliesFound, 0);
});

t.test('a non-empty dead-letter topic is an anomaly and a gauge; an empty one is not', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const kafka = await createTestKafka(t.teardown.bind(t));
  const [dlq, quarantine] = await Promise.all([kafka.createTopic(), kafka.createTopic()]);
  const producer = kafka.kafka.publisher();
  await producer.connect();
  await producer.send({ topic: dlq, messages: [{ value: 'a' }, { value: 'b' }] });
  await producer.disconnect();

  const run = await runJob({ ...f.deps, deadLetterTopics: [dlq, quarantine] }, deadLettersJob, 'test');
  t.same(run.anomalies, { [`dead_letters:${dlq}`]: 2 });
  t.equal(run.checked, 2);
  t.equal(run.repaired, 0, 'alert only: redrive is an ops decision');
  const gauge = await f.deps.metrics.deadLetters.get();
  t.same(Object.fromEntries(gauge.values.map((value) => [value.labels.topic, value.value])), { [dlq]: 2, [quarantine]: 0 });
  t.match((await f.runs('dead-letters'))[0], { anomalies_found: 2, failed: 0 });
});

t.test('with a topic prefix, a stuck row goes to the prefixed topic and keeps its logical one', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const kafka = await createTestKafka(t.teardown.bind(t));
  const prefix = `test-${randomUUID().replaceAll('-', '').slice(0, 16)}.`;
  const topic = await kafka.createTopic({ topic: `${prefix}${orderCancelled.topic}` });
  const old = new Date(f.clock.now.getTime() - 11 * 60_000);
  await writeOutbox(f.order.pool, [
    prepareEvent(
      orderCancelled,
      { order_id: 'o-p', sale_id: 's', sku_id: 'k', quantity: 1, reason: 'test' },
      { source: 'order-service', tenantId: 't1', correlationId: 'o-p' },
      old,
    ),
  ]);

  const run = await runJob({ ...f.deps, topicPrefix: prefix, outboxes: ['order'] }, stuckOutboxJob, 'test');
  t.match(run, { repaired: 1, failed: 0 });
  const [rows] = await f.order.pool.query<RowDataPacket[]>('SELECT topic, published_at FROM outbox');
  t.same(
    rows.map((row) => [row.topic, row.published_at !== null]),
    [[orderCancelled.topic, true]],
    'the row keeps the logical topic',
  );
  const admin = kafka.kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  t.equal(
    offsets.reduce((sum, p) => sum + Number(p.high), 0),
    1,
    'the event reached the prefixed topic',
  );
});
