/**
 * `KAFKA_TOPIC_PREFIX` end to end inside one process: topics created by `ensureTopics` under a
 * uuid prefix, an outbox relay and a consumer given that prefix, the catalog's own event
 * definition (`order.order.created.v1`). Every topic the relay and the consumer touch is recorded
 * on the way to the real broker; none may be an unprefixed one.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka, Producer, Consumer, ProducerRecord, ConsumerSubscribeTopics, ConsumerSubscribeTopic } from 'kafkajs';
import type { RowDataPacket } from 'mysql2/promise';
import { Registry } from 'prom-client';
import t from 'tap';
import { createTestDatabase, waitFor } from '@flash-sale/testkit';
import { createTestKafka } from '../src/testing/index.ts';
import {
  TerminalError,
  allTopics,
  createEventConsumer,
  createOutboxRelay,
  deadLetterTopic,
  ensureTopics,
  orderCreated,
  platformMigrationsDir,
  prepareEvent,
  quarantineTopic,
  readDeadLetters,
  writeOutbox,
  type EventHandler,
} from '../src/index.ts';
import { kafkaClientOf, transportOver } from '../src/transport/kafka-transport.ts';
import { captureLogs, topicSize } from './support/harness.ts';

const prefix = `test-${randomUUID().replaceAll('-', '').slice(0, 16)}.`;
const db = await createTestDatabase(t.teardown.bind(t), { migrationsDirs: [platformMigrationsDir] });
const { kafka, groupId } = await createTestKafka(t.teardown.bind(t));
const { logger } = captureLogs();

/** The same client, noting every topic a producer sends to or a consumer subscribes to. */
function recording(client: Kafka, touched: Set<string>): Kafka {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'producer') {
        return (...args: Parameters<Kafka['producer']>): Producer => {
          const producer = target.producer(...args);
          const send = producer.send.bind(producer);
          producer.send = (record: ProducerRecord) => {
            touched.add(record.topic);
            return send(record);
          };
          return producer;
        };
      }
      if (property === 'consumer') {
        return (...args: Parameters<Kafka['consumer']>): Consumer => {
          const consumer = target.consumer(...args);
          const subscribe = consumer.subscribe.bind(consumer);
          consumer.subscribe = (subscription: ConsumerSubscribeTopics | ConsumerSubscribeTopic) => {
            for (const topic of 'topics' in subscription ? subscription.topics : [subscription.topic]) touched.add(String(topic));
            return subscribe(subscription);
          };
          return consumer;
        };
      }
      return Reflect.get(target, property, receiver) as unknown;
    },
  });
}

t.test('a prefixed relay and consumer round trip: the rows keep the logical topic, the broker sees only prefixed ones', async (t) => {
  const logical = orderCreated.topic;
  const wanted = new Set([logical, deadLetterTopic('inventory'), quarantineTopic('inventory')]);
  const declarations = allTopics().filter((topic) => wanted.has(topic.name));
  const admin = kafka.admin();
  await admin.connect();
  t.teardown(async () => {
    await admin.deleteTopics({ topics: declarations.map((topic) => `${prefix}${topic.name}`), timeout: 10_000 }).catch(() => undefined);
    await admin.disconnect();
  });
  const created = await ensureTopics(admin, declarations, prefix);
  t.same(created.sort(), [...wanted].map((name) => `${prefix}${name}`).sort(), 'ensureTopics creates the declared topics under the prefix');
  t.same(await ensureTopics(admin, declarations, prefix), [], 'and leaves them alone the second time');

  const touched = new Set<string>();
  const client = transportOver(recording(kafkaClientOf(kafka), touched), 'recording');
  const handled: Array<{ orderId: string; topic: string }> = [];
  const handler: EventHandler = async (event, ctx) => {
    const payload = event.payload as { order_id: string; sku_id: string };
    if (payload.sku_id === 'gone') throw new TerminalError('sale no longer exists');
    handled.push({ orderId: payload.order_id, topic: ctx.topic });
  };
  const consumer = createEventConsumer({
    consumer: 'inventory',
    groupId: groupId(),
    topicPrefix: prefix,
    kafka: client,
    pool: db.pool,
    logger,
    metrics: new Registry(),
    handlers: { [orderCreated.type]: handler },
    consumerConfig: { maxWaitTimeInMs: 200 },
  });
  await consumer.start();
  t.teardown(() => consumer.stop());
  const relay = createOutboxRelay({ pool: db.pool, kafka: client, logger, metrics: new Registry(), service: 'prefixed', topicPrefix: prefix });
  t.teardown(() => relay.stop());

  const event = (orderId: string, skuId: string) =>
    prepareEvent(
      orderCreated,
      {
        order_id: orderId,
        sale_id: 'sale-1',
        sku_id: skuId,
        quantity: 1,
        user_id: 'u1',
        unit_price_minor: 100,
        total_minor: 100,
        currency: 'EUR',
        expires_at: new Date(Date.now() + 600_000).toISOString(),
      },
      { source: 'test', tenantId: 't1', correlationId: `corr-${orderId}` },
      new Date(),
    );
  const gone = event('prefixed-gone', 'gone');
  await writeOutbox(db.pool, [event('prefixed-ok', 'sku-1'), gone]);
  t.equal(await relay.runOnce(), 2, 'the relay published both rows');

  const [rows] = await db.pool.query<RowDataPacket[]>('SELECT topic, published_at FROM outbox ORDER BY id');
  t.same(
    rows.map((row) => [row.topic, row.published_at !== null]),
    [
      [logical, true],
      [logical, true],
    ],
    'the rows keep the logical topic',
  );
  t.equal(await topicSize(kafka, `${prefix}${logical}`), 2, 'both events are on the prefixed topic');

  const deadLetters = `${prefix}${deadLetterTopic('inventory')}`;
  await waitFor(async () => handled.length === 1 && (await topicSize(kafka, deadLetters)) === 1, {
    timeoutMs: 30_000,
    what: 'one event handled, one dead-lettered',
  });
  t.same(handled, [{ orderId: 'prefixed-ok', topic: `${prefix}${logical}` }], 'the consumer read it from the prefixed topic');
  const [entry] = await readDeadLetters(kafka, deadLetters);
  t.match(
    entry?.entry,
    { kind: 'dead-lettered', event: { id: gone.envelope.id }, original: { topic: `${prefix}${logical}` } },
    'the dead-letter entry is on the prefixed topic and points back at the prefixed one',
  );

  t.ok(touched.size > 0, `topics touched: ${[...touched].join(', ')}`);
  t.same(
    [...touched].filter((topic) => !topic.startsWith(prefix)),
    [],
    'no unprefixed topic was sent to or subscribed to',
  );
  t.ok(touched.has(`${prefix}${logical}`) && touched.has(deadLetters), 'the relay, the consumer and its dead-letter write all went through the prefix');
});
