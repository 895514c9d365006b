/**
 * The consumer runtime over kafkajs `eachBatch`.
 *
 * - Offsets are resolved one by one, only for messages the runtime finished with (handled,
 *   skipped as duplicate, quarantined or dead-lettered); a stop or rebalance mid-batch leaves the
 *   rest unresolved, so shutdown commits only what was handled and the rest is redelivered.
 * - Each message is decoded and validated against the registry; a poison pill is quarantined at
 *   once and the partition moves on.
 * - The handler runs in one MySQL transaction with the `(consumer, event id)` dedupe insert. The
 *   messages of a fetched batch are applied in chunks of up to `maxEventsPerTransaction`, each chunk
 *   in one transaction (`handle-chunk.ts`). A handler that throws there undoes only itself: the
 *   events before it commit, and it goes on in a transaction of its own, which is where retries and
 *   dead-lettering happen; no handler that succeeded runs again.
 * - A failing handler is retried in place with exponential backoff and jitter (holding its
 *   partition, which keeps the aggregate's order), then dead-lettered with its last error; a
 *   `TerminalError` is dead-lettered at once.
 * - An event whose tenant does not own the aggregate it touches (the handler says so with
 *   `assertTenant`, `errors.ts`) is quarantined at once with `TENANT_MISMATCH`: its handler's
 *   work is rolled back and the partition moves on. In a chunk the handler's savepoint undoes it
 *   and it is quarantined from its own transaction, as any failing handler goes on alone.
 * - The runtime's own failures (database or broker unreachable) are not the event's fault: they
 *   are thrown to kafkajs, which restarts from the last resolved offset. Nothing is dead-lettered
 *   because MySQL was down.
 */
import type { Consumer, EachBatchPayload, KafkaMessage } from 'kafkajs';
import type { Pool, PoolConnection } from 'mysql2/promise';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { backoffDelay, sleep } from '../backoff.ts';
import { acknowledgedProducer, type AcknowledgedProducer } from '../acknowledged-producer.ts';
import { kafkaClientOf, type KafkaTransport } from '../transport/kafka-transport.ts';
import { registry as catalogRegistry } from '../catalog.ts';
import { scrubOpenedValues } from '../crypto/field-encryption.ts';
import type { Envelope } from '../envelope.ts';
import { HEADER, decodeHeaders } from '../kafka-headers.ts';
import type { EventRegistry } from '../registry.ts';
import { deadLetterTopic, quarantineTopic, type ServiceName } from '../topics.ts';
import { messagingSpan, parseTraceparent, startMessagingSpans, withConsumerSpan } from '../trace-context.ts';
import { consumerMetrics } from './consumer-metrics.ts';
import { buildDeadLetterMessage, type DeadLetterKind } from './dead-letter.ts';
import { decodeMessage } from './decode.ts';
import { TenantMismatchError, TerminalError, handlerErrorContract, type ErrorContract } from './errors.ts';
import { handleChunk, type ChunkEvent, type ChunkUnit } from './handle-chunk.ts';
import { HandlerFailure, handleOnce } from './handle-once.ts';

export interface HandlerContext {
  /** The transaction the dedupe row commits in; write the effect (and follow-up outbox rows) here. */
  tx: PoolConnection;
  /** Carries trace_id, correlation_id, event id and type; PII payload fields are redacted. */
  logger: Logger;
  topic: string;
  partition: number;
  offset: string;
  /** 1 on the first delivery attempt. */
  attempt: number;
  /** The W3C traceparent for follow-up events (see `followUpContext`): the arriving one, or under an OpenTelemetry SDK that of the span handling the event. */
  traceparent: string | undefined;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each consumer owns its view of a payload
export type EventHandler<P = any> = (event: Envelope<P>, ctx: HandlerContext) => Promise<void>;

export interface BatchHandlerContext {
  /** The chunk's transaction, which also holds the events' dedupe rows. */
  tx: PoolConnection;
  logger: Logger;
  topic: string;
  partition: number;
}

/**
 * Consecutive events of one type from one partition, applied together (multi-row statements).
 * It must leave the books as its single-event handler would, applied to them in turn; when it
 * cannot (a line it cannot decide for the batch), it throws and the runtime applies the events one
 * by one with the single-event handler, which also decides which one is at fault.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each consumer owns its view of a payload
export type EventBatchHandler<P = any> = (
  items: ReadonlyArray<{ event: Envelope<P>; traceparent: string | undefined }>,
  ctx: BatchHandlerContext,
) => Promise<void>;

export interface EventConsumerOptions {
  /** Names the consumer: dedupe key, default group id, dead-letter and quarantine topics. */
  consumer: string;
  groupId?: string;
  kafka: KafkaTransport;
  pool: Pool;
  logger: Logger;
  metrics: Registry;
  /** By event type, e.g. `'order.created.v1'`. */
  handlers: Partial<Record<string, EventHandler>>;
  /** By event type, optional: used for two or more consecutive events of that type in a chunk. */
  batchHandlers?: Partial<Record<string, EventBatchHandler>>;
  retry?: { maxAttempts?: number; initialDelayMs?: number; maxDelayMs?: number };
  /** Where an event type is consumed from; defaults to the registry's topic. */
  topicFor?: (eventType: string) => string;
  deadLetterTopic?: string;
  quarantineTopic?: string;
  /**
   * `KAFKA_TOPIC_PREFIX`, put in front of the catalog's names: the consumer subscribes to
   * `prefix + definition.topic` and writes its dead-letter and quarantine entries to
   * `prefix + <consumer>.consumer.….v1`. A name given above (`topicFor`, `deadLetterTopic`,
   * `quarantineTopic`) is the topic as it is on the broker and is used as is. Empty by default.
   */
  topicPrefix?: string;
  /** Validates envelopes and payloads; defaults to the platform catalog. */
  registry?: EventRegistry;
  /** Partitions handled in parallel (each partition stays sequential). */
  partitionsConsumedConcurrently?: number;
  /**
   * Most events of one partition applied in one MySQL transaction (default 100; 1 applies each
   * event in its own). Larger chunks commit less often but hold their row locks longer.
   */
  maxEventsPerTransaction?: number;
  /** Passed to the Kafka consumer (session timeout, fetch wait, …). */
  consumerConfig?: ConsumerSettings;
  clock?: () => Date;
}

/** The Kafka consumer's settings a caller may change; the runtime sets the rest. */
export interface ConsumerSettings {
  /** How long the broker holds a fetch open when there is nothing to read (default 1000). */
  maxWaitTimeInMs?: number;
  sessionTimeout?: number;
  heartbeatInterval?: number;
  rebalanceTimeout?: number;
  maxBytesPerPartition?: number;
}

export interface EventConsumer {
  start(): Promise<void>;
  stop(): Promise<void>;
}

const HEARTBEAT_SLICE_MS = 1000;

export function createEventConsumer(options: EventConsumerOptions): EventConsumer {
  const registry = options.registry ?? catalogRegistry;
  const name = options.consumer;
  const clock = options.clock ?? (() => new Date());
  const maxAttempts = Math.max(1, options.retry?.maxAttempts ?? 5);
  const backoff = { initialDelayMs: options.retry?.initialDelayMs ?? 200, maxDelayMs: options.retry?.maxDelayMs ?? 30_000 };
  const topicPrefix = options.topicPrefix ?? '';
  const dlqTopic = options.deadLetterTopic ?? `${topicPrefix}${deadLetterTopic(name as ServiceName)}`;
  const quarantine = options.quarantineTopic ?? `${topicPrefix}${quarantineTopic(name as ServiceName)}`;
  const metrics = consumerMetrics(options.metrics);
  const maxChunk = Math.max(1, options.maxEventsPerTransaction ?? 100);
  const logger = options.logger.child({ component: 'event-consumer', consumer: name });
  // PII never reaches logs, even when a handler logs the whole event. Compiled once here: the
  // per-event children below inherit it (a `redact` option on each child would compile it per event).
  const eventLoggerBase = logger.child({}, { redact: { paths: registry.redactionPaths(), censor: '[redacted]' } });

  const topicByType = new Map<string, string>();
  for (const type of Object.keys(options.handlers)) {
    const definition = registry.get(type);
    if (!definition) throw new Error(`consumer ${name} has a handler for ${type}, which is not registered`);
    topicByType.set(type, options.topicFor?.(type) ?? `${topicPrefix}${definition.topic}`);
  }
  const topics = [...new Set(topicByType.values())];

  let consumer: Consumer | undefined;
  let producer: AcknowledgedProducer | undefined;
  let abort = new AbortController();

  type Batch = Pick<EachBatchPayload, 'heartbeat' | 'isRunning' | 'isStale'>;

  /** Waits `ms` while keeping the group session alive; false when the runtime must let go. */
  async function backoffWait(ms: number, batch: Batch): Promise<boolean> {
    const until = Date.now() + ms;
    while (Date.now() < until) {
      if (!batch.isRunning() || batch.isStale()) return false;
      if (!(await sleep(Math.min(HEARTBEAT_SLICE_MS, until - Date.now()), abort.signal))) return false;
      await batch.heartbeat();
    }
    return batch.isRunning() && !batch.isStale();
  }

  async function sendToDeadLetter(
    kind: DeadLetterKind,
    topic: string,
    partition: number,
    message: KafkaMessage,
    contract: ErrorContract,
    attempts: number,
    event: { id?: string; type?: string },
  ): Promise<void> {
    if (!producer) throw new Error('consumer producer is not connected');
    const destination = kind === 'quarantined' ? quarantine : dlqTopic;
    // Awaited with acks from all replicas before the offset resolves: the entry is never lost.
    await producer.send({
      topic: destination,
      acks: -1,
      messages: [buildDeadLetterMessage(kind, name, { topic, partition, message }, contract, attempts, event, clock())],
    });
  }

  function eventLoggerFor(envelope: Envelope, topic: string, partition: number, offset: string): Logger {
    return eventLoggerBase.child({
      event_id: envelope.id,
      event_type: envelope.type,
      trace_id: envelope.trace_id,
      correlation_id: envelope.correlation_id,
      tenant_id: envelope.metadata.tenant_id,
      topic,
      partition,
      offset,
    });
  }

  /**
   * Applies `messages` (consecutive, one partition) in one transaction (`handle-chunk.ts`):
   * - `applied`: all of them;
   * - `stopped`: those before the message at `offset`, whose handler (`failure`: its first attempt)
   *   or batch handler (no failure: no one's attempt) threw; it and those after were not applied;
   * - `not-applied`: none (a poison pill among them, the runtime's own failure).
   */
  async function processChunk(
    topic: string,
    partition: number,
    messages: readonly KafkaMessage[],
  ): Promise<{ kind: 'applied' } | { kind: 'stopped'; offset: string; failure: HandlerFailure | undefined } | { kind: 'not-applied' }> {
    const started = performance.now();
    type Prepared = ChunkEvent & { handler: EventHandler; traceparent: string | undefined };
    const prepared: Prepared[] = [];
    const ignored: Array<{ type: string; offset: string }> = [];
    for (const message of messages) {
      const decoded = decodeMessage(message, registry);
      if (decoded.kind === 'poison') return { kind: 'not-applied' };
      const { envelope } = decoded;
      const handler = options.handlers[envelope.type];
      if (!handler) {
        ignored.push({ type: envelope.type, offset: message.offset });
        continue;
      }
      const traceparent = decodeHeaders(message.headers)[HEADER.traceparent];
      prepared.push({ delivery: { consumer: name, topic, partition, offset: message.offset }, envelope, handler, traceparent });
    }
    const single = (event: Prepared, tx: PoolConnection) => {
      const { envelope, delivery, handler, traceparent } = event;
      const ctx = { tx, logger: eventLoggerFor(envelope, topic, partition, delivery.offset), topic, partition, offset: delivery.offset, attempt: 1 };
      return withConsumerSpan(traceparent, messagingSpan('process', topic, envelope), (current) => handler(envelope, { ...ctx, traceparent: current }));
    };
    const batch = async (run: Prepared[], batchHandler: EventBatchHandler, tx: PoolConnection) => {
      // One span per event, each under its own order's trace; handed to the handler for its follow-ups.
      const spans = startMessagingSpans(
        'process',
        run.map(({ envelope, traceparent }) => ({
          traceparent,
          described: messagingSpan('process', topic, envelope, { 'messaging.batch.message_count': run.length }),
        })),
      );
      try {
        await batchHandler(
          run.map(({ envelope }, at) => ({ event: envelope, traceparent: spans.traceparents[at] })),
          { tx, logger: eventLoggerBase, topic, partition },
        );
        spans.end();
      } catch (error) {
        spans.end(error);
        throw error;
      }
    };
    const result = await handleChunk(options.pool, name, prepared, (fresh) => {
      const events = fresh as Prepared[];
      const units: ChunkUnit[] = [];
      for (let index = 0; index < events.length;) {
        const type = events[index]!.envelope.type;
        const batchHandler = options.batchHandlers?.[type];
        let end = index + 1;
        while (batchHandler && end < events.length && events[end]!.envelope.type === type) end += 1;
        if (batchHandler && end - index > 1) {
          const run = events.slice(index, end);
          units.push({ events: run, single: false, apply: (tx) => batch(run, batchHandler, tx) });
        } else {
          const event = events[index]!;
          end = index + 1;
          units.push({ events: [event], single: true, apply: (tx) => single(event, tx) });
        }
        index = end;
      }
      return units;
    });
    if (!result.committed) {
      logger.info(
        { topic, partition, events: messages.length, err: result.error instanceof Error ? result.error.message : String(result.error) },
        'chunk not applied; applying its events one at a time',
      );
      return { kind: 'not-applied' };
    }
    const seconds = (performance.now() - started) / 1000;
    const stopOffset = result.stopped ? BigInt(result.stopped.event.delivery.offset) : undefined;
    for (const { type, offset } of ignored)
      if (stopOffset === undefined || BigInt(offset) < stopOffset) metrics.processed.inc({ type, consumer: name, outcome: 'ignored' });
    for (const { event, outcome } of result.done) {
      const { envelope, delivery } = event;
      metrics.processed.inc({ type: envelope.type, consumer: name, outcome });
      metrics.duration.observe({ type: envelope.type, consumer: name, outcome }, seconds);
      if (outcome === 'duplicate') eventLoggerFor(envelope, topic, partition, delivery.offset).info({ attempt: 1 }, 'event already processed; skipped');
    }
    if (!result.stopped) return { kind: 'applied' };
    const { event, failure } = result.stopped;
    logger.info(
      { topic, partition, offset: event.delivery.offset, err: failure ? failure.message : 'batch handler failed' },
      failure
        ? 'a handler failed in a chunk; the events before it are applied, it goes on alone'
        : 'a batch handler failed in a chunk; its events go one at a time',
    );
    return { kind: 'stopped', offset: event.delivery.offset, failure };
  }

  /**
   * True when the runtime is done with the message (its offset may be resolved). `firstFailure` is
   * its handler's failure in a chunk that rolled back: attempt 1, already made.
   */
  async function processMessage(topic: string, partition: number, message: KafkaMessage, batch: Batch, firstFailure?: HandlerFailure): Promise<boolean> {
    const decoded = decodeMessage(message, registry);
    const headers = decodeHeaders(message.headers);
    if (decoded.kind === 'poison') {
      const type = decoded.eventType ?? headers[HEADER.eventType] ?? 'unknown';
      await sendToDeadLetter('quarantined', topic, partition, message, decoded.contract, 1, {
        type,
        ...(headers[HEADER.eventId] ? { id: headers[HEADER.eventId] } : {}),
      });
      metrics.quarantined.inc({ consumer: name, topic });
      metrics.failed.inc({ type, consumer: name, outcome: 'quarantined' });
      logger.warn(
        {
          topic,
          partition,
          offset: message.offset,
          code: decoded.contract.error.code,
          event_type: type,
          trace_id: parseTraceparent(headers[HEADER.traceparent])?.traceId,
          correlation_id: headers[HEADER.correlationId],
        },
        'poison pill quarantined',
      );
      return true;
    }

    const { envelope } = decoded;
    const handler = options.handlers[envelope.type];
    if (!handler) {
      metrics.processed.inc({ type: envelope.type, consumer: name, outcome: 'ignored' });
      return true;
    }
    const traceparent = headers[HEADER.traceparent];
    const eventLogger = eventLoggerFor(envelope, topic, partition, message.offset);
    const started = performance.now();
    const delivery = { consumer: name, topic, partition, offset: message.offset };

    for (let attempt = 1; ; attempt += 1) {
      try {
        if (attempt === 1 && firstFailure) throw firstFailure;
        const outcome = await handleOnce(options.pool, delivery, envelope, (tx) =>
          withConsumerSpan(traceparent, messagingSpan('process', topic, envelope, { 'messaging.delivery.attempt': attempt }), (current) =>
            handler(envelope, { tx, logger: eventLogger, topic, partition, offset: message.offset, attempt, traceparent: current }),
          ),
        );
        metrics.processed.inc({ type: envelope.type, consumer: name, outcome });
        metrics.duration.observe({ type: envelope.type, consumer: name, outcome }, (performance.now() - started) / 1000);
        if (outcome === 'duplicate') eventLogger.info({ attempt }, 'event already processed; skipped');
        else eventLogger.debug({ attempt }, 'event handled');
        return true;
      } catch (error) {
        if (!(error instanceof HandlerFailure)) throw error;
        const cause = error.original;
        const terminal = cause instanceof TerminalError;
        // A handler's error text may quote a restricted value it was given opened: never logged in clear.
        const errorFields = { err_name: cause instanceof Error ? cause.name : typeof cause, err: scrubOpenedValues(message, error.message), attempt };
        if (cause instanceof TenantMismatchError) {
          // Not a failure to retry or redrive as is: the event claims a tenant it does not belong
          // with. Quarantine keeps it, with both tenants, for a person to look at.
          await sendToDeadLetter('quarantined', topic, partition, message, cause.contract(), attempt, { id: envelope.id, type: envelope.type });
          metrics.quarantined.inc({ consumer: name, topic });
          metrics.failed.inc({ type: envelope.type, consumer: name, outcome: 'quarantined' });
          eventLogger.warn(
            {
              ...errorFields,
              code: 'TENANT_MISMATCH',
              aggregate_kind: cause.aggregate.kind,
              aggregate_id: cause.aggregate.id,
              aggregate_tenant: cause.aggregate.tenantId,
            },
            'event refused: its tenant does not own the aggregate; quarantined',
          );
          return true;
        }
        if (terminal || attempt >= maxAttempts) {
          await sendToDeadLetter('dead-lettered', topic, partition, message, handlerErrorContract(cause, attempt), attempt, {
            id: envelope.id,
            type: envelope.type,
          });
          metrics.deadLettered.inc({ consumer: name, type: envelope.type });
          metrics.failed.inc({ type: envelope.type, consumer: name, outcome: 'dead_lettered' });
          metrics.duration.observe({ type: envelope.type, consumer: name, outcome: 'dead_lettered' }, (performance.now() - started) / 1000);
          eventLogger.error({ ...errorFields, terminal }, 'event dead-lettered');
          return true;
        }
        const delayMs = backoffDelay(backoff, attempt);
        metrics.failed.inc({ type: envelope.type, consumer: name, outcome: 'retried' });
        eventLogger.warn({ ...errorFields, retry_in_ms: delayMs }, 'event handler failed; retrying');
        if (!(await backoffWait(delayMs, batch))) return false;
      }
    }
  }

  async function eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const resolved = (offset: string) => {
      payload.resolveOffset(offset);
      metrics.lag.set(
        { consumer: name, topic: batch.topic, partition: String(batch.partition) },
        Math.max(0, Number(batch.highWatermark) - Number(offset) - 1),
      );
    };
    const oneByOne = async (messages: readonly KafkaMessage[], firstFailures?: Map<string, HandlerFailure>): Promise<boolean> => {
      for (const message of messages) {
        if (!payload.isRunning() || payload.isStale()) return false;
        if (!(await processMessage(batch.topic, batch.partition, message, payload, firstFailures?.get(message.offset)))) return false;
        resolved(message.offset);
        await payload.heartbeat();
      }
      return true;
    };
    let start = 0;
    while (start < batch.messages.length) {
      if (!payload.isRunning() || payload.isStale()) return;
      const chunk = batch.messages.slice(start, start + maxChunk);
      const result = chunk.length > 1 ? await processChunk(batch.topic, batch.partition, chunk) : { kind: 'not-applied' as const };
      if (result.kind === 'applied') {
        resolved(chunk.at(-1)!.offset);
        await payload.heartbeat();
        start += chunk.length;
        continue;
      }
      const at = result.kind === 'stopped' ? chunk.findIndex((message) => message.offset === result.offset) : -1;
      if (result.kind === 'stopped' && at >= 0) {
        if (at > 0) {
          resolved(chunk[at - 1]!.offset);
          await payload.heartbeat();
        }
        // A handler's failure: it goes on alone from its second attempt, then chunking resumes.
        // A batch handler's: its events and the rest of the chunk go one at a time.
        const alone = result.failure ? chunk.slice(at, at + 1) : chunk.slice(at);
        if (!(await oneByOne(alone, result.failure ? new Map([[result.offset, result.failure]]) : undefined))) return;
        start += at + alone.length;
        continue;
      }
      if (!(await oneByOne(chunk))) return;
      start += chunk.length;
    }
  }

  return {
    async start() {
      if (consumer) return;
      abort = new AbortController();
      // A dead-letter entry resolves only once its partition acknowledged it (see the module).
      producer = acknowledgedProducer(kafkaClientOf(options.kafka), { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      await producer.connect();
      consumer = kafkaClientOf(options.kafka).consumer({
        maxWaitTimeInMs: 1000,
        allowAutoTopicCreation: false,
        ...options.consumerConfig,
        groupId: options.groupId ?? name,
      });
      await consumer.connect();
      // A new group starts at the beginning: an event published before the group existed is not skipped.
      await consumer.subscribe({ topics, fromBeginning: true });
      await consumer.run({
        autoCommit: true,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 4,
        eachBatch,
      });
      logger.info({ topics, group_id: options.groupId ?? name }, 'event consumer started');
    },
    async stop() {
      abort.abort();
      // disconnect() waits for the running batch, then commits the offsets resolved so far.
      await consumer?.disconnect();
      await producer?.disconnect();
      consumer = undefined;
      producer = undefined;
      logger.info('event consumer stopped');
    },
  };
}
