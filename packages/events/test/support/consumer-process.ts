/**
 * A consumer in a process of its own, so a test can crash it for real: the event runtime
 * (`createEventConsumer`) over one topic and group, whose `order.created.v1` handler writes one
 * `effects (event_id)` row in the runtime's transaction.
 *
 * Started by `startConsumerProcess` (harness.ts) with `node consumer-process.ts` and this environment:
 * - `DATABASE_URL`, `KAFKA_BROKERS`, `CONSUMER_TOPIC`, `CONSUMER_GROUP`, `DEAD_LETTER_TOPIC`;
 * - `CRASH_AFTER_COMMIT_OF` (optional, an event id): once the transaction that handled that event
 *   has committed, the process SIGKILLs itself. That happens inside the runtime's commit call,
 *   before the runtime gets back to resolve the message's offset, so kafkajs never commits it.
 *
 * stdout carries one JSON object a line: `{"ready":true,"metricsUrl":…}` once the consumer runs,
 * `{"crashing":<event id>}` right before the kill. The metrics URL serves the Prometheus text of
 * the process's registry. SIGTERM stops the consumer gracefully (committing what it handled).
 */
import { writeSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import mysql from 'mysql2/promise';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { createEventConsumer, createKafkaTransport, orderCreated, type EventHandler } from '../../src/index.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const topic = required('CONSUMER_TOPIC');
const deadLetters = required('DEAD_LETTER_TOPIC');
const crashAfterCommitOf = process.env.CRASH_AFTER_COMMIT_OF;
const report = (line: Record<string, unknown>) => writeSync(1, `${JSON.stringify(line)}\n`);

const pool = mysql.createPool({
  uri: required('DATABASE_URL'),
  connectionLimit: 5,
  timezone: 'Z',
  dateStrings: true,
  supportBigNumbers: true,
  bigNumberStrings: true,
});

/** Connections whose open transaction handled the event to crash on. */
const armed = new WeakSet<mysql.PoolConnection>();
const instrumented = new WeakSet<mysql.PoolConnection>();
/** The crash point: right after the real COMMIT returned, before the runtime sees it returned. */
function instrument(connection: mysql.PoolConnection): mysql.PoolConnection {
  if (instrumented.has(connection)) return connection;
  instrumented.add(connection);
  const commit = connection.commit.bind(connection);
  connection.commit = async () => {
    await commit();
    if (!armed.has(connection)) return;
    report({ crashing: crashAfterCommitOf });
    process.kill(process.pid, 'SIGKILL');
  };
  return connection;
}
const getConnection = pool.getConnection.bind(pool);
pool.getConnection = async () => instrument(await getConnection());

const recordEffect: EventHandler = async (event, ctx) => {
  await ctx.tx.query('INSERT INTO effects (event_id) VALUES (?)', [event.id]);
  if (event.id === crashAfterCommitOf) armed.add(ctx.tx);
};

const metrics = new Registry();
const consumer = createEventConsumer({
  consumer: 'inventory',
  groupId: required('CONSUMER_GROUP'),
  kafka: createKafkaTransport(
    {
      KAFKA_BROKERS: required('KAFKA_BROKERS').split(','),
      KAFKA_SASL_USERNAME: process.env.KAFKA_SASL_USERNAME,
      KAFKA_SASL_PASSWORD: process.env.KAFKA_SASL_PASSWORD,
    },
    { clientId: 'consumer-process' },
  ),
  pool,
  logger: pino({ level: 'info' }, pino.destination(2)),
  metrics,
  handlers: { [orderCreated.type]: recordEffect },
  topicFor: () => topic,
  deadLetterTopic: deadLetters,
  quarantineTopic: deadLetters,
  partitionsConsumedConcurrently: 1,
  // The broker's minimum session: the next member of the group waits this long for a killed one.
  consumerConfig: { maxWaitTimeInMs: 200, sessionTimeout: 6000, heartbeatInterval: 500 },
});

const server = createServer((_request, response) => {
  metrics.metrics().then(
    (text) => response.writeHead(200, { 'content-type': metrics.contentType }).end(text),
    (error: unknown) => response.writeHead(500).end(String(error)),
  );
});
server.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
await consumer.start();
report({ ready: true, metricsUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics` });

process.once('SIGTERM', () => {
  void (async () => {
    await consumer.stop();
    server.close();
    await pool.end();
    process.exit(0);
  })();
});
