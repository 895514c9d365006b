/**
 * The outbox relay: publishes committed outbox rows to Kafka in id order and marks them.
 *
 * - No high-water mark: every scan asks for *all* unpublished rows in id order, so a row whose
 *   transaction committed late (id 10 after id 11) is simply found by the next scan.
 * - At-least-once: a row is marked only after the broker acknowledged it (`acks: -1`, idempotent,
 *   one request in flight). A crash or a failed send in between publishes it again; consumers dedupe.
 * - Order per aggregate: only the holder of the lease (see `lease.ts`) publishes, and a row waiting
 *   for a retry blocks the later rows of its (topic, partition key) until it goes out.
 * - Published rows are purged after `retentionMs`; failures back off exponentially with jitter
 *   (`attempts`, `next_attempt_at`, `last_error` on the row).
 * - A row holds its logical topic; `topicPrefix` (an isolated run's `KAFKA_TOPIC_PREFIX`) is put in
 *   front of it here, when it is sent, and nowhere else on the publishing side.
 */
import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { acknowledgedProducer, type AcknowledgedProducer } from '../acknowledged-producer.ts';
import { kafkaClientOf, type KafkaTransport } from '../transport/kafka-transport.ts';
import { backoffDelay, sleep, type BackoffPolicy } from '../backoff.ts';
import { outboxLag } from './lag.ts';
import { tracedOutboxMessages, type OutboxRecord } from './outbox-message.ts';
import { RelayLease } from './lease.ts';
import { relayMetrics } from './relay-metrics.ts';

export interface OutboxRelayOptions {
  pool: Pool;
  kafka: KafkaTransport;
  logger: Logger;
  metrics: Registry;
  /** Names the relay in logs and metric labels. */
  service: string;
  batchSize?: number;
  pollIntervalMs?: number;
  /** How long published rows stay (for audits and replays from the database) before the purge. */
  retentionMs?: number;
  /** Backoff of a row whose publish failed. */
  retry?: Partial<BackoffPolicy>;
  /**
   * Put in front of each row's topic when it is sent (`KAFKA_TOPIC_PREFIX`); the row itself keeps
   * the logical name. Empty by default.
   */
  topicPrefix?: string;
}

export interface OutboxRelay {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** One scan-publish-mark pass; the number of rows published (0 when another relay leads). */
  runOnce(): Promise<number>;
}

interface OutboxRow extends OutboxRecord {
  attempts: number;
}

const DAY_MS = 24 * 3600 * 1000;
const PURGE_CHUNK = 5000;

export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const batchSize = options.batchSize ?? 500;
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const retentionMs = options.retentionMs ?? 7 * DAY_MS;
  const purgeEveryMs = Math.min(60_000, retentionMs);
  const retry: BackoffPolicy = { initialDelayMs: 1000, maxDelayMs: 60_000, ...options.retry };
  const topicPrefix = options.topicPrefix ?? '';
  const logger = options.logger.child({ component: 'outbox-relay', relay: options.service });
  const metrics = relayMetrics(options.metrics);
  const label = { relay: options.service };
  const lease = new RelayLease(options.pool);

  let producer: AcknowledgedProducer | undefined;
  let lastPurgeAt = 0;
  let loop: Promise<void> | undefined;
  let abort: AbortController | undefined;
  // runOnce may be called by the loop and by a caller at once; passes must not interleave.
  let queue: Promise<unknown> = Promise.resolve();

  async function connectedProducer(): Promise<AcknowledgedProducer> {
    if (producer) return producer;
    // Idempotent with acks=all: the client's own retries within one send never write a record twice.
    // Few of them: the relay's per-row backoff takes over, and a failing topic must not stall the
    // pass for the others; a send that gave up retires the kafkajs producer under it, so the resend
    // goes out under a new producer id (see the module). One request in flight keeps the order per
    // partition; murmur2 placement puts a key on the partition any Java client would.
    const created = acknowledgedProducer(kafkaClientOf(options.kafka), {
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      retry: { retries: 2, initialRetryTime: 100 },
    });
    await created.connect();
    producer = created;
    return created;
  }

  async function publishPass(connection: PoolConnection): Promise<number> {
    // One clock reading for both queries, so a row cannot leave backoff between them unseen.
    await connection.query('SET @relay_now = NOW(6)');
    const [rows] = await connection.query<OutboxRow[]>(
      `SELECT id, event_id, event_type, topic, partition_key, tenant_id, envelope, headers, attempts
         FROM outbox
        WHERE published_at IS NULL AND (next_attempt_at IS NULL OR next_attempt_at <= @relay_now)
        ORDER BY id LIMIT ?`,
      [batchSize],
    );
    const last = rows[rows.length - 1];
    if (!last) return 0;
    const [waiting] = await connection.query<RowDataPacket[]>(
      `SELECT DISTINCT topic, partition_key FROM outbox
        WHERE published_at IS NULL AND next_attempt_at > @relay_now AND id < ?`,
      [last.id],
    );
    const blocked = new Set(waiting.map((row) => `${String(row.topic)}\u0000${String(row.partition_key)}`));

    const byTopic = new Map<string, OutboxRow[]>();
    for (const row of rows) {
      if (blocked.has(`${row.topic}\u0000${row.partition_key}`)) continue;
      const group = byTopic.get(row.topic) ?? [];
      group.push(row);
      byTopic.set(row.topic, group);
    }

    const kafkaProducer = await connectedProducer();
    let published = 0;
    for (const [logicalTopic, group] of byTopic) {
      const topic = `${topicPrefix}${logicalTopic}`;
      const ids = group.map((row) => row.id);
      const publishing = tracedOutboxMessages(topic, group);
      try {
        await kafkaProducer.send({ topic, acks: -1, messages: publishing.messages });
        publishing.end();
      } catch (error) {
        publishing.end(error);
        const attempts = Math.max(...group.map((row) => row.attempts)) + 1;
        const delayMs = backoffDelay(retry, attempts);
        const message = error instanceof Error ? error.message : String(error);
        await connection.query(
          `UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = NOW(6) + INTERVAL ? MICROSECOND
            WHERE id IN (?) AND published_at IS NULL`,
          [message.slice(0, 2000), delayMs * 1000, ids],
        );
        metrics.publishFailed.inc({ ...label, topic }, group.length);
        logger.warn({ topic, rows: group.length, first_id: ids[0], attempts, retry_in_ms: delayMs, err: message }, 'outbox publish failed; will retry');
        continue;
      }
      await connection.query('UPDATE outbox SET published_at = NOW(6), last_error = NULL WHERE id IN (?)', [ids]);
      metrics.published.inc({ ...label, topic }, group.length);
      published += group.length;
    }
    return published;
  }

  async function purge(connection: PoolConnection): Promise<void> {
    if (Date.now() - lastPurgeAt < purgeEveryMs) return;
    lastPurgeAt = Date.now();
    for (;;) {
      // Pick ids with a plain (lock-free) read, then delete by primary key: a ranged DELETE on the
      // published_at index would take gap locks that block producers inserting new rows.
      const [rows] = await connection.query<RowDataPacket[]>(
        'SELECT id FROM outbox WHERE published_at IS NOT NULL AND published_at < NOW(6) - INTERVAL ? MICROSECOND ORDER BY id LIMIT ?',
        [retentionMs * 1000, PURGE_CHUNK],
      );
      if (rows.length === 0) return;
      const [result] = await connection.query<ResultSetHeader>('DELETE FROM outbox WHERE id IN (?) AND published_at IS NOT NULL', [
        rows.map((row) => row.id as string),
      ]);
      metrics.purged.inc(label, result.affectedRows);
      if (rows.length < PURGE_CHUNK) return;
    }
  }

  async function pass(): Promise<number> {
    const connection = await lease.acquire();
    metrics.leader.set(label, connection ? 1 : 0);
    if (!connection) return 0;
    try {
      const published = await publishPass(connection);
      await purge(connection);
      const lag = await outboxLag(connection);
      metrics.unpublished.set(label, lag.unpublished);
      metrics.oldestAge.set(label, lag.oldestAgeSeconds);
      return published;
    } catch (error) {
      // The lease connection may be dead; dropping it frees the lock for another relay.
      lease.lose();
      metrics.leader.set(label, 0);
      throw error;
    }
  }

  function runOnce(): Promise<number> {
    const next = queue.then(pass, pass);
    queue = next.catch(() => undefined);
    return next;
  }

  async function run(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        const published = await runOnce();
        failures = 0;
        // A full batch means more is waiting: go again at once.
        if (published < batchSize) await sleep(pollIntervalMs, signal);
      } catch (error) {
        failures += 1;
        logger.error({ err: error instanceof Error ? error.message : String(error), failures }, 'outbox relay pass failed');
        await sleep(backoffDelay({ initialDelayMs: pollIntervalMs, maxDelayMs: 30_000 }, failures), signal);
      }
    }
  }

  return {
    async start() {
      if (loop) return;
      await connectedProducer();
      abort = new AbortController();
      loop = run(abort.signal);
      logger.info({ batch_size: batchSize, poll_interval_ms: pollIntervalMs }, 'outbox relay started');
    },
    async stop() {
      abort?.abort();
      await loop;
      loop = undefined;
      await queue;
      await lease.release();
      metrics.leader.set(label, 0);
      await producer?.disconnect();
      producer = undefined;
      logger.info('outbox relay stopped');
    },
    runOnce,
  };
}
