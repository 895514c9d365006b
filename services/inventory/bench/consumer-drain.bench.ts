// The inventory consumer's drain rate with events applied one per MySQL transaction, in chunks of
// up to 100 per transaction (`maxEventsPerTransaction`), and in chunks whose `order.created` go
// through the batch handler's multi-row statements (as the service runs it); same process,
// interleaved rounds. Figures only, it asserts nothing; `npm run bench` runs it and puts its closing line's
// figures into its own (docs/performance.md).
//
// Each round: a sale armed in MySQL and Redis, one Redis hold per order (as the order service
// leaves them), N `order.created` events on a fresh 6-partition topic keyed by order id like the
// relay's, then a consumer in a new group with the real inventory handlers. The rate is counted
// from the first handled event to the last, so the group join is not in it.
import { randomUUID } from 'node:crypto';
import { createEventConsumer, type Envelope } from '@flash-sale/events';
import { createTestKafka } from '@flash-sale/events/testing';
import { createLogger } from '@flash-sale/service-kit';
import { Registry } from 'prom-client';
import { inventoryBatchHandlers, inventoryHandlers } from '../src/workers/event-handlers.ts';
import { T0, TENANT, createInventoryEnv, events, seedArmedSale } from '../test/fixtures/inventory-env.ts';

const EVENTS = Number(process.env.BENCH_DRAIN_EVENTS ?? 2000);
const ROUNDS = Number(process.env.BENCH_DRAIN_ROUNDS ?? 3);
/** Events per transaction, and whether consecutive `order.created` go to the batch handler. */
const MODES = { one_per_tx: { chunk: 1, batch: false }, chunked: { chunk: 100, batch: false }, batched: { chunk: 100, batch: true } } as const;
type Mode = keyof typeof MODES;

const teardowns: Array<() => Promise<void> | void> = [];
const teardown = (fn: () => Promise<void> | void) => void teardowns.push(fn);
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

const env = await createInventoryEnv(teardown);
const { kafka, createTopic, groupId } = await createTestKafka(teardown);
// BENCH_DRAIN_LOG=info shows the runtime's own lines (a chunk that had to go one by one, …).
const logger = createLogger({ service: 'inventory', level: process.env.BENCH_DRAIN_LOG ?? 'silent' });
const handlers = inventoryHandlers({ reservations: env.reservations, now: () => T0 });
const batchHandlers = inventoryBatchHandlers({ reservations: env.reservations, now: () => T0 });

async function prepareRound(): Promise<{ topic: string; ids: string[] }> {
  const sale = await seedArmedSale(env, EVENTS);
  const ids = Array.from({ length: EVENTS }, () => randomUUID());
  await Promise.all(
    ids.map(async (orderId) => {
      const held = await env.reservations.reserve({ saleId: sale.saleId, tenantId: TENANT, orderId, userId: `u-${orderId}`, quantity: 1, nowMs: T0.getTime() });
      if (!held.ok) throw new Error(`hold refused: ${held.code}`);
    }),
  );
  const topic = await createTopic({ numPartitions: 6 });
  const producer = kafka.publisher();
  await producer.connect();
  const asMessage = (envelope: Envelope) => ({
    key: envelope.metadata.partition_key,
    value: JSON.stringify(envelope),
    headers: { 'event-id': envelope.id, 'event-type': envelope.type },
  });
  for (let start = 0; start < ids.length; start += 500) {
    await producer.send({ topic, acks: -1, messages: ids.slice(start, start + 500).map((orderId) => asMessage(events.created(orderId, sale, 1))) });
  }
  await producer.disconnect();
  return { topic, ids };
}

async function drain(mode: Mode, topic: string): Promise<number> {
  const consumer = createEventConsumer({
    consumer: 'inventory',
    groupId: groupId(),
    kafka,
    pool: env.pool,
    logger,
    metrics: new Registry(),
    handlers,
    topicFor: () => topic,
    maxEventsPerTransaction: MODES[mode].chunk,
    ...(MODES[mode].batch ? { batchHandlers } : {}),
    consumerConfig: { maxWaitTimeInMs: 100 },
  });
  await consumer.start();
  try {
    // Wall clock between the first poll that sees a handled event and the one that sees them all:
    // a dedupe row's time is its transaction's start, which says nothing about its chunk's end.
    const handled = async () => {
      const [rows] = await env.pool.query('SELECT COUNT(*) AS n FROM consumer_dedupe WHERE topic = ?', [topic]);
      return Number((rows as { n: number }[])[0]!.n);
    };
    const deadline = Date.now() + 300_000;
    let first: { at: number; n: number } | undefined;
    for (;;) {
      const n = await handled();
      const at = performance.now();
      if (n > 0 && !first) first = { at, n };
      if (first && n >= EVENTS) return (EVENTS - first.n) / Math.max(0.001, (at - first.at) / 1000);
      if (Date.now() > deadline) throw new Error(`${mode}: ${n} of ${EVENTS} events handled in 300 s`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    await consumer.stop();
  }
}

try {
  const rates: Record<Mode, number[]> = { one_per_tx: [], chunked: [], batched: [] };
  console.log(
    `inventory consumer drain: ${EVENTS} order.created per round, ${ROUNDS} rounds: one event per transaction, chunks of ${MODES.chunked.chunk} per transaction, and chunks whose orders go through the batch handler's multi-row statements`,
  );
  for (let round = 1; round <= ROUNDS; round += 1) {
    // Alternate which mode goes first, so neither always meets a warmer server.
    const modes: Mode[] = ['one_per_tx', 'chunked', 'batched'];
    const order = round % 2 === 1 ? modes : [...modes].reverse();
    const figures: string[] = [];
    for (const mode of order) {
      const { topic } = await prepareRound();
      const rate = await drain(mode, topic);
      rates[mode].push(rate);
      figures.push(`${mode} ${rate.toFixed(0)} events/s`);
    }
    console.log(`  round ${round}: ${figures.join(', ')}`);
  }
  const versusOne = (mode: Mode) => Number(median(rates[mode].map((rate, i) => rate / rates.one_per_tx[i]!)).toFixed(2));
  console.log(
    JSON.stringify({
      consumer_one_per_tx_events_per_s: Math.round(median(rates.one_per_tx)),
      consumer_chunked_events_per_s: Math.round(median(rates.chunked)),
      consumer_batched_events_per_s: Math.round(median(rates.batched)),
      consumer_chunked_vs_one_per_tx: versusOne('chunked'),
      consumer_batched_vs_one_per_tx: versusOne('batched'),
    }),
  );
} finally {
  for (const fn of teardowns.reverse()) await Promise.resolve(fn()).catch((error: unknown) => console.error('cleanup failed:', error));
}
