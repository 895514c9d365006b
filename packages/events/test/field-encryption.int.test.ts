/**
 * Restricted fields through the real path: outbox row (MariaDB), relay, topic (Kafka), consumers,
 * dead-letter topic, logs. payment.completed's transaction_id is the catalog's restricted field and
 * the order service its one declared reader (docs/eventing.md, "Classification").
 */
import { randomBytes, randomUUID } from 'node:crypto';
import t from 'tap';
import { Registry } from 'prom-client';
import type mysql from 'mysql2/promise';
import { createTestDatabase, waitFor } from '@flash-sale/testkit';
import { createTestKafka } from '../src/testing/index.ts';
import {
  FieldKeyring,
  TerminalError,
  createEventConsumer,
  createOutboxRelay,
  parseDeadLetterEntry,
  paymentCompleted,
  platformMigrationsDir,
  prepareEvent,
  registry,
  writeOutbox,
  type Envelope,
  type EventHandler,
} from '../src/index.ts';
import { captureLogs, readTopic } from './support/harness.ts';

const db = await createTestDatabase(t.teardown.bind(t), { migrationsDirs: [platformMigrationsDir] });
const { kafka, createTopic, groupId } = await createTestKafka(t.teardown.bind(t));
const completedTopic = await createTopic({ numPartitions: 1 });
const orderDlq = await createTopic();
const definition = { ...paymentCompleted, topic: completedTopic };

const key = () => randomBytes(32);
const oldKey = key();
const newKey = key();
/** Before the rotation: one key. After: the new key seals, the old one still opens. */
const beforeRotation = new FieldKeyring(new Map([['k-2025', oldKey]]), 'k-2025');
const afterRotation = new FieldKeyring(
  new Map([
    ['k-2025', oldKey],
    ['k-2026', newKey],
  ]),
  'k-2026',
);

const relay = createOutboxRelay({ pool: db.pool, kafka, logger: captureLogs().logger, metrics: new Registry(), service: 'payment' });
t.teardown(() => relay.stop());

const context = (orderId: string) => ({ source: 'payment', tenantId: 't1', correlationId: orderId });
async function publishCompleted(paymentId: string, transactionId: string, keys: FieldKeyring) {
  const orderId = `order-${paymentId}`;
  const event = prepareEvent(
    definition,
    { payment_id: paymentId, order_id: orderId, transaction_id: transactionId, amount_minor: 4999, currency: 'EUR' },
    context(orderId),
    new Date(),
    { fieldKeys: keys },
  );
  await writeOutbox(db.pool, [event]);
  await waitFor(async () => (await relay.runOnce()) >= 0 && (await unpublished()) === 0, { what: 'the relay to publish the outbox' });
  return event.envelope;
}
async function unpublished(): Promise<number> {
  const [rows] = await db.pool.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM outbox WHERE published_at IS NULL');
  return Number(rows[0]?.n ?? 0);
}

// Two consumers of the topic: order (the declared reader) and inventory (not named), both holding the keys.
const seen = { order: new Map<string, unknown>(), inventory: new Map<string, unknown>() };
const orderLogs = captureLogs();
const recordAs =
  (consumer: 'order' | 'inventory'): EventHandler =>
  async (event, ctx) => {
    const payload = event.payload as { payment_id: string; transaction_id: unknown };
    ctx.logger.info({ event }, 'handling'); // a careless handler logging the whole event
    // A careless error text quoting the opened value: the dead-letter entry and the log must not keep it.
    if (payload.payment_id.startsWith('refused-')) throw new TerminalError(`the order of transaction ${String(payload.transaction_id)} is unknown`);
    seen[consumer].set(payload.payment_id, payload.transaction_id);
  };
for (const consumer of ['order', 'inventory'] as const) {
  const running = createEventConsumer({
    consumer,
    groupId: groupId(),
    kafka,
    pool: db.pool,
    logger: consumer === 'order' ? orderLogs.logger : captureLogs().logger,
    metrics: new Registry(),
    handlers: { [paymentCompleted.type]: recordAs(consumer) },
    topicFor: () => completedTopic,
    deadLetterTopic: consumer === 'order' ? orderDlq : await createTopic(),
    quarantineTopic: await createTopic(),
    registry: registry.forConsumer(consumer, afterRotation),
    consumerConfig: { maxWaitTimeInMs: 200 },
  });
  await running.start();
  t.teardown(() => running.stop());
}

const rawValues = async (count: number) => (await readTopic(kafka, completedTopic, count)).map(({ message }) => message.value?.toString('utf8') ?? '');

t.test('the outbox row and the raw topic hold the provider transaction id only sealed, with the key id in the metadata', async (t) => {
  const transactionId = `txn_${randomUUID()}`;
  const envelope = await publishCompleted(`raw-${randomUUID()}`, transactionId, afterRotation);
  const [rows] = await db.pool.query<mysql.RowDataPacket[]>('SELECT CAST(envelope AS CHAR) AS envelope FROM outbox WHERE event_id = ?', [envelope.id]);
  t.notMatch(String(rows[0]?.envelope), transactionId, 'the outbox row holds no clear value');
  const values = await rawValues(1);
  const mine = values.find((value) => value.includes(envelope.id));
  t.ok(mine, 'the event is on the topic');
  t.notOk(
    values.some((value) => value.includes(transactionId)),
    'no message on the topic holds the value in clear',
  );
  const onTopic = JSON.parse(mine!) as Envelope;
  t.same(onTopic.metadata.encryption, { key_id: 'k-2026', fields: ['transaction_id'] });
  t.match(onTopic.payload.transaction_id, { alg: 'A256GCM', iv: String, ciphertext: String, tag: String });
  t.equal(onTopic.payload.payment_id, envelope.payload.payment_id, 'the fields that are not restricted stay readable');
});

t.test('the declared reader gets the value opened; a consumer the catalog does not name gets only the sealed value, even holding the keys', async (t) => {
  const paymentId = `open-${randomUUID()}`;
  const transactionId = `txn_${randomUUID()}`;
  await publishCompleted(paymentId, transactionId, afterRotation);
  await waitFor(() => seen.order.has(paymentId) && seen.inventory.has(paymentId), { what: 'both consumers to handle the event' });
  t.equal(seen.order.get(paymentId), transactionId, 'order reads the transaction id');
  t.match(seen.inventory.get(paymentId), { alg: 'A256GCM', ciphertext: String }, 'inventory sees it sealed');
  t.notMatch(JSON.stringify(seen.inventory.get(paymentId)), transactionId);
  t.notMatch(orderLogs.text(), transactionId, "the reader's logs hold no clear value, though its handler logged the whole event");
});

t.test('after a key rotation, events sealed with the retired key still open and new ones use the new key', async (t) => {
  const before = { paymentId: `rotated-${randomUUID()}`, transactionId: `txn_${randomUUID()}` };
  const after = { paymentId: `rotated-${randomUUID()}`, transactionId: `txn_${randomUUID()}` };
  const old = await publishCompleted(before.paymentId, before.transactionId, beforeRotation);
  const fresh = await publishCompleted(after.paymentId, after.transactionId, afterRotation);
  t.equal(old.metadata.encryption?.key_id, 'k-2025');
  t.equal(fresh.metadata.encryption?.key_id, 'k-2026');
  await waitFor(() => seen.order.has(before.paymentId) && seen.order.has(after.paymentId), { what: 'order to handle both events' });
  t.equal(seen.order.get(before.paymentId), before.transactionId, 'the event sealed with the retired key opens');
  t.equal(seen.order.get(after.paymentId), after.transactionId);
});

t.test("a dead-lettered event's copy holds the value only sealed", async (t) => {
  const paymentId = `refused-${randomUUID()}`;
  const transactionId = `txn_${randomUUID()}`;
  const envelope = await publishCompleted(paymentId, transactionId, afterRotation);
  // The only event this file dead-letters.
  const [entries] = await readTopic(kafka, orderDlq, 1, 60_000);
  if (!entries) throw new Error('no dead-letter entry');
  const raw = entries.message.value!.toString('utf8');
  const entry = parseDeadLetterEntry(entries.message.value);
  t.equal(entry.kind, 'dead-lettered');
  t.equal(entry.event.id, envelope.id);
  const original = Buffer.from(entry.original.value ?? '', 'base64').toString('utf8');
  t.match(original, envelope.id, 'the copy holds the original event');
  t.notMatch(original, transactionId, 'the original inside the entry holds no clear value');
  t.notMatch(raw, transactionId, 'nor does the entry itself');
  const headers = Object.values(entries.message.headers ?? {})
    .map(String)
    .join('\n');
  t.notMatch(headers, transactionId, 'nor its headers');
  t.notMatch(orderLogs.text(), transactionId, 'nor the logs of the failure');
});
