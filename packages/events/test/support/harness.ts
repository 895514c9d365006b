/**
 * Shared pieces of the events integration tests: captured logs, events, topic reads, metric reads,
 * and a consumer in a child process that a test can kill.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { KafkaTransport, ReceivedMessage } from '../../src/index.ts';
import type mysql from 'mysql2/promise';
import { pino, type Logger } from 'pino';
import type { Registry } from 'prom-client';
import { uniqueName, waitFor, type Teardown } from '@flash-sale/testkit';

export interface CapturedLogs {
  logger: Logger;
  lines: () => Record<string, unknown>[];
  text: () => string;
}

/** A pino logger like a service's (level debug), writing into memory so tests can read it. */
export function captureLogs(): CapturedLogs {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString('utf8'));
      done();
    },
  });
  const logger = pino({ level: 'debug' }, stream);
  const text = () => chunks.join('');
  return {
    logger,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((line) => line.length > 0)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

export interface ReadMessage {
  partition: number;
  message: ReceivedMessage;
}

/** Reads a topic from the start with a throwaway group until `count` messages arrived. */
export async function readTopic(kafka: KafkaTransport, topic: string, count: number, timeoutMs = 30_000): Promise<ReadMessage[]> {
  const consumer = kafka.reader({ groupId: uniqueName('reader'), maxWaitTimeInMs: 200 });
  const messages: ReadMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) messages.push({ partition: batch.partition, message });
      },
    });
    await waitFor(() => messages.length >= count, { timeoutMs, what: `${count} messages on ${topic} (have ${messages.length})` });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** Total messages ever written to a topic (sum of partition end offsets). */
export async function topicSize(kafka: KafkaTransport, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    // A loaded broker may still answer NOT_LEADER_FOR_PARTITION for a topic created moments ago,
    // after its metadata already named the leader: a retriable answer, asked again.
    const offsets = await waitFor(() => admin.fetchTopicOffsets(topic), { timeoutMs: 30_000, intervalMs: 200, what: `offsets of ${topic}` });
    return offsets.reduce((sum, partition) => sum + Number(partition.high), 0);
  } finally {
    await admin.disconnect();
  }
}

export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values
    .filter((value) => Object.entries(labels).every(([key, wanted]) => String((value.labels as Record<string, unknown>)[key]) === wanted))
    .reduce((sum, value) => sum + value.value, 0);
}

export async function count(pool: mysql.Pool, sql: string, params: unknown[] = []): Promise<number> {
  const [rows] = await pool.query<mysql.RowDataPacket[]>(sql, params);
  return Number(Object.values(rows[0] ?? {})[0] ?? 0);
}

/** Sums a metric's samples in Prometheus text whose labels include `labels`. */
export function prometheusValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const sample = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, key, value]) => [key, value]));
    if (Object.entries(labels).every(([key, wanted]) => sample[key] === wanted)) sum += Number(match[3]);
  }
  return sum;
}

export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ConsumerProcess {
  /** Every stdout line, parsed (the process writes one JSON object a line). */
  reports: Record<string, unknown>[];
  /** Resolves once the consumer runs; rejects if the process exits first or takes too long. */
  ready: Promise<void>;
  /** Resolves when the process has exited, however it ended. */
  exited: Promise<ProcessExit>;
  /** The process's metrics, in Prometheus text. */
  metrics(): Promise<string>;
  /** SIGTERM (a graceful stop), SIGKILL if it has not exited by the deadline. */
  stop(deadlineMs?: number): Promise<ProcessExit>;
  /** Its last stdout and stderr lines, for failure messages. */
  tail(count?: number): string;
  /** `work`, whose failure also shows the process's last lines as they were then. */
  explained<T>(work: Promise<T>): Promise<T>;
}

const consumerProcessScript = new URL('./consumer-process.ts', import.meta.url).pathname;

/** Awaits `promise`, or fails with `what` and the process's tail once `ms` have passed. */
export async function within<T>(promise: Promise<T>, ms: number, what: string, tail: () => string = () => ''): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}\n${tail()}`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts `consumer-process.ts` (see there for its environment) under this Node. The teardown
 * SIGKILLs it if it still runs, as does this process's exit.
 */
export function startConsumerProcess(teardown: Teardown, env: Record<string, string>, readyWithinMs = 30_000): ConsumerProcess {
  const child = spawn(process.execPath, [consumerProcessScript], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const reports: Record<string, unknown>[] = [];
  const out: string[] = [];
  const err: string[] = [];
  let metricsUrl: string | undefined;
  const exited = new Promise<ProcessExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  const tail = (count = 30) => [...out.slice(-count), ...err.slice(-count).map((line) => `stderr: ${line}`)].join('\n');

  const started = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      out.push(line);
      try {
        const report = JSON.parse(line) as Record<string, unknown>;
        reports.push(report);
        if (report.ready === true && typeof report.metricsUrl === 'string') {
          metricsUrl = report.metricsUrl;
          resolve();
        }
      } catch {
        // not a report: kept in the tail only
      }
    });
    void exited.then((exit) => reject(new Error(`consumer process exited before it was ready (${JSON.stringify(exit)})\n${tail()}`)));
  });
  createInterface({ input: child.stderr }).on('line', (line) => err.push(line));
  const ready = within(started, readyWithinMs, 'the consumer process to start', tail);
  ready.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection here

  return {
    reports,
    ready,
    exited,
    tail,
    explained: (work) =>
      work.catch((error: unknown) => {
        throw new Error(`${error instanceof Error ? error.message : String(error)}\n${tail()}`, { cause: error });
      }),
    async metrics() {
      if (!metricsUrl) throw new Error('consumer process is not ready');
      const response = await fetch(metricsUrl);
      if (!response.ok) throw new Error(`metrics answered ${response.status}`);
      return response.text();
    },
    async stop(deadlineMs = 15_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), deadlineMs);
      try {
        return await exited;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
