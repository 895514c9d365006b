/**
 * The runtime's side of tenant scoping, on real Kafka and MariaDB: a handler states the tenant of
 * the aggregate it loaded (`assertTenant`); an event of another tenant is quarantined at its first
 * attempt with TENANT_MISMATCH, whatever its handler wrote is rolled back, and the partition goes
 * on. Both ways the runtime applies events: one transaction each, and chunks of several.
 */
import { createTestDatabase, waitFor } from '@flash-sale/testkit';
import { createTestKafka } from '../src/testing/index.ts';
import type { RowDataPacket } from 'mysql2/promise';
import { Registry } from 'prom-client';
import t from 'tap';
import {
  assertTenant,
  createEventConsumer,
  orderCreated,
  platformMigrationsDir,
  prepareEvent,
  readDeadLetters,
  type Envelope,
  type EventHandler,
} from '../src/index.ts';
import { captureLogs, metricValue } from './support/harness.ts';

const db = await createTestDatabase(t.teardown.bind(t), { migrationsDirs: [platformMigrationsDir] });
const { kafka, createTopic, groupId } = await createTestKafka(t.teardown.bind(t));
// A stand-in aggregate: a row owned by a tenant that each event adds its quantity to.
await db.pool.query('CREATE TABLE tallies (id VARCHAR(64) PRIMARY KEY, tenant_id VARCHAR(64) NOT NULL, total INT NOT NULL DEFAULT 0)');

/** Writes first, then loads and asserts: the write must be undone by the refusal, not merely skipped. */
const addToTally: EventHandler<{ order_id: string; quantity: number }> = async (event, ctx) => {
  await ctx.tx.query('UPDATE tallies SET total = total + ? WHERE id = ?', [event.payload.quantity, event.payload.order_id]);
  const [rows] = await ctx.tx.query<RowDataPacket[]>('SELECT tenant_id FROM tallies WHERE id = ?', [event.payload.order_id]);
  const tenantId = rows[0]?.tenant_id as string | undefined;
  if (tenantId) assertTenant(event, { kind: 'tally', id: event.payload.order_id, tenantId });
};

const event = (tallyId: string, tenantId: string, quantity: number): Envelope =>
  prepareEvent(
    orderCreated,
    {
      order_id: tallyId,
      sale_id: 's',
      sku_id: 'k',
      quantity,
      user_id: 'u',
      unit_price_minor: 1,
      total_minor: quantity,
      currency: 'EUR',
      expires_at: '2030-01-01T00:00:00.000Z',
    },
    { source: 'test', tenantId, correlationId: `c-${tallyId}` },
    new Date(),
  ).envelope;

for (const maxEventsPerTransaction of [1, 100]) {
  t.test(
    `an event of another tenant than its aggregate's is quarantined with TENANT_MISMATCH, its writes undone, and the next event applied (${maxEventsPerTransaction === 1 ? 'one event a transaction' : 'chunks of events'})`,
    async (t) => {
      const tally = `tally-${maxEventsPerTransaction}`;
      await db.pool.query('INSERT INTO tallies (id, tenant_id) VALUES (?, ?)', [tally, 'tenant-a']);
      const [topic, dlq, quarantine] = await Promise.all([createTopic(), createTopic(), createTopic()]);
      const sent = [event(tally, 'tenant-a', 1), event(tally, 'tenant-b', 100), event(tally, 'tenant-a', 2)];
      const producer = kafka.publisher();
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: sent.map((envelope) => ({ key: tally, value: JSON.stringify(envelope) })) });
      await producer.disconnect();

      const logs = captureLogs();
      const metrics = new Registry();
      const consumer = createEventConsumer({
        consumer: 'inventory',
        groupId: groupId(),
        kafka,
        pool: db.pool,
        logger: logs.logger,
        metrics,
        handlers: { [orderCreated.type]: addToTally as EventHandler },
        topicFor: () => topic,
        deadLetterTopic: dlq,
        quarantineTopic: quarantine,
        maxEventsPerTransaction,
        consumerConfig: { maxWaitTimeInMs: 100 },
      });
      await consumer.start();
      t.teardown(() => consumer.stop());

      const handled = async () => {
        const [rows] = await db.pool.query<RowDataPacket[]>('SELECT event_id FROM consumer_dedupe WHERE topic = ?', [topic]);
        return rows.map((row) => row.event_id as string);
      };
      await waitFor(async () => (await handled()).includes(sent[2]!.id), { what: 'the event after the refused one applied', timeoutMs: 60_000 });
      const [row] = (await db.pool.query<RowDataPacket[]>('SELECT tenant_id, total FROM tallies WHERE id = ?', [tally]))[0];
      t.same(
        { tenant: row?.tenant_id, total: Number(row?.total) },
        { tenant: 'tenant-a', total: 3 },
        "only tenant-a's events count; tenant-b's write was rolled back",
      );
      t.same((await handled()).sort(), [sent[0]!.id, sent[2]!.id].sort(), 'no dedupe row for the refused event');

      const [entry, ...more] = (await readDeadLetters(kafka, quarantine)).map((record) => record.entry);
      t.equal(more.length, 0);
      t.match(entry, {
        kind: 'quarantined',
        consumer: 'inventory',
        attempts: 1,
        event: { id: sent[1]!.id, type: orderCreated.type },
        error: {
          code: 'TENANT_MISMATCH',
          message: `event of tenant tenant-b refused: tally ${tally} belongs to tenant tenant-a`,
          details: { event_tenant: 'tenant-b', aggregate_kind: 'tally', aggregate_id: tally, aggregate_tenant: 'tenant-a' },
        },
      });
      t.same(await readDeadLetters(kafka, dlq), [], 'refused, not dead-lettered: nothing was retried');
      t.equal(await metricValue(metrics, 'event_quarantined_total', { consumer: 'inventory' }), 1);
      t.equal(await metricValue(metrics, 'event_failed_total', { outcome: 'quarantined' }), 1);
      t.match(
        logs.lines().find((line) => line.code === 'TENANT_MISMATCH'),
        {
          msg: 'event refused: its tenant does not own the aggregate; quarantined',
          tenant_id: 'tenant-b',
          aggregate_tenant: 'tenant-a',
          event_id: sent[1]!.id,
        },
      );
    },
  );
}
