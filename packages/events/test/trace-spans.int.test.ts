/**
 * Under an OpenTelemetry SDK the outbox relay and the consumer runtime continue each event's trace:
 * a publish span per outbox row under the traceparent the row recorded, whose own traceparent the
 * Kafka message carries, and a process span per consumed event under it, whose traceparent the
 * handler gets for its follow-up events. A batch mixes orders, so every event keeps its own trace.
 * Real MariaDB and Kafka; the SDK is the in-memory one, registered for this file's process only.
 */
import t, { type Test } from 'tap';
import { Registry } from 'prom-client';
import { context, trace, SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { createTestDatabase, waitFor } from '@flash-sale/testkit';
import { createTestKafka } from '../src/testing/index.ts';
import {
  createEventConsumer,
  createOutboxRelay,
  defineEvent,
  orderCancelled,
  parseTraceparent,
  platformMigrationsDir,
  prepareEvent,
  writeOutbox,
  type EventHandler,
} from '../src/index.ts';
import { captureLogs } from './support/harness.ts';

const exporter = new InMemorySpanExporter();
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }));
t.teardown(() => {
  trace.disable();
  context.disable();
});

const db = await createTestDatabase(t.teardown.bind(t), { migrationsDirs: [platformMigrationsDir] });
const { kafka, createTopic, groupId } = await createTestKafka(t.teardown.bind(t));
const { logger } = captureLogs();

const traceparentOf = (traceId: string, spanId: string) => `00-${traceId}-${spanId}-01`;
const spanNamed = (kind: SpanKind, eventId: string) => (span: ReadableSpan) => span.kind === kind && span.attributes['messaging.message.id'] === eventId;

async function publishThree(topic: string, type: 'batch' | 'single') {
  const definition = defineEvent({ ...orderCancelled, topic });
  const parents = ['a', 'b', 'c'].map((letter) => traceparentOf(letter.repeat(32), letter.repeat(16)));
  const events = parents.map((traceparent, index) =>
    prepareEvent(
      definition,
      { order_id: `o-${type}-${index}`, sale_id: 's', sku_id: 'k', quantity: 1, reason: 'test' },
      { source: 'test', tenantId: 'tenant-a', correlationId: `corr-${index}`, traceparent },
      new Date(),
    ),
  );
  await writeOutbox(db.pool, events);
  const relay = createOutboxRelay({ pool: db.pool, kafka, logger, metrics: new Registry(), service: `traced-${type}`, pollIntervalMs: 20 });
  // Stopped at once: it holds the outbox's relay lease, which the next scenario's relay needs.
  t.equal(await relay.runOnce(), 3, 'the relay publishes the three rows');
  await relay.stop();
  return { definition, events, parents };
}

async function consume(topic: string, type: string, options: { handler: EventHandler; batch?: boolean; seen: Map<string, string | undefined> }) {
  const consumer = createEventConsumer({
    consumer: 'inventory',
    groupId: groupId(),
    kafka,
    pool: db.pool,
    logger,
    metrics: new Registry(),
    handlers: { [type]: options.handler },
    ...(options.batch
      ? {
          batchHandlers: {
            [type]: async (items) => {
              for (const { event, traceparent } of items) options.seen.set(event.id, traceparent);
            },
          },
        }
      : {}),
    topicFor: () => topic,
    deadLetterTopic: await createTopic(),
    retry: { maxAttempts: 2, initialDelayMs: 10, maxDelayMs: 20 },
    consumerConfig: { maxWaitTimeInMs: 100 },
  });
  await consumer.start();
  t.teardown(() => consumer.stop());
}

function assertChain(t: Test, published: Awaited<ReturnType<typeof publishThree>>, seen: Map<string, string | undefined>) {
  const spans = exporter.getFinishedSpans();
  published.events.forEach(({ envelope }, index) => {
    const parent = parseTraceparent(published.parents[index]);
    const publish = spans.find(spanNamed(SpanKind.PRODUCER, envelope.id));
    const processing = spans.find(spanNamed(SpanKind.CONSUMER, envelope.id));
    t.equal(publish?.spanContext().traceId, parent?.traceId, `event ${index}: the publish span is in the trace its row recorded`);
    t.equal(publish?.parentSpanContext?.spanId, parent?.spanId, `event ${index}: the publish span is a child of the row's traceparent`);
    t.equal(processing?.spanContext().traceId, parent?.traceId, `event ${index}: the process span is in the same trace`);
    t.equal(
      processing?.parentSpanContext?.spanId,
      publish?.spanContext().spanId,
      `event ${index}: the process span is a child of the publish span the message carried`,
    );
    t.equal(
      seen.get(envelope.id),
      processing ? traceparentOf(processing.spanContext().traceId, processing.spanContext().spanId) : 'no span',
      `event ${index}: the handler is given the process span's traceparent for its follow-ups`,
    );
  });
}

t.test(
  "a batch of three orders' events: each is published and processed in a span of its own order's trace, and the batch handler gets each span's traceparent",
  async (t) => {
    const topic = await createTopic({ numPartitions: 1 });
    const published = await publishThree(topic, 'batch');
    const seen = new Map<string, string | undefined>();
    await consume(topic, published.definition.type, {
      handler: async () => {
        t.fail('the batch handler takes a run of three');
      },
      batch: true,
      seen,
    });
    await waitFor(() => seen.size === 3, { timeoutMs: 30_000, what: 'the batch handled' });
    await waitFor(
      () =>
        exporter
          .getFinishedSpans()
          .filter((span) => span.kind === SpanKind.CONSUMER && published.events.some(({ envelope }) => spanNamed(SpanKind.CONSUMER, envelope.id)(span)))
          .length === 3,
      { timeoutMs: 5_000, what: 'three process spans ended' },
    );
    assertChain(t, published, seen);
  },
);

t.test("one event at a time: the handler runs inside its process span, and is given that span's traceparent", async (t) => {
  const topic = await createTopic({ numPartitions: 3 });
  const published = await publishThree(topic, 'single');
  const seen = new Map<string, string | undefined>();
  const active = new Map<string, string | undefined>();
  await consume(topic, published.definition.type, {
    handler: async (event, ctx) => {
      seen.set(event.id, ctx.traceparent);
      const span = trace.getActiveSpan()?.spanContext();
      active.set(event.id, span ? traceparentOf(span.traceId, span.spanId) : undefined);
    },
    seen,
  });
  await waitFor(() => seen.size === 3, { timeoutMs: 30_000, what: 'the events handled' });
  await waitFor(
    () => exporter.getFinishedSpans().filter((span) => published.events.some(({ envelope }) => spanNamed(SpanKind.CONSUMER, envelope.id)(span))).length >= 3,
    { timeoutMs: 5_000, what: 'three process spans ended' },
  );
  assertChain(t, published, seen);
  for (const [eventId, traceparent] of seen) t.equal(active.get(eventId), traceparent, 'the active span inside the handler is the process span');
});
