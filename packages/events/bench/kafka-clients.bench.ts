// kafkajs (the client behind packages/events today) against @platformatic/kafka, on the running
// broker, in one process, interleaved round by round: produce and consume throughput only. Figures,
// no assertion beyond "every message came back"; docs/adr/0014-kafka-client.md records what they
// decided and docs/performance.md the runs.
//
//   node packages/events/bench/kafka-clients.bench.ts
//
// Each round, for each client (the order alternates between rounds so neither always goes first):
// a fresh topic of BENCH_KAFKA_PARTITIONS partitions, N envelope-shaped messages (~300 bytes of
// JSON, a key, the five headers of kafka-headers.ts) produced the way the outbox relay sends them
// (idempotent, acks=all, one send of BENCH_KAFKA_BATCH messages at a time, awaited, murmur2 key
// placement: kafkajs through the relay's own acknowledgedProducer), then read back by a new
// consumer group from the beginning until all N are seen, offsets committed after processing.
// The consume rate is counted from the first message to the last committed one, so the group join
// (kafkajs waits for its rebalance) is not in it; the join is printed apart. Last, the CPU the
// process spends for BENCH_KAFKA_IDLE_MS while a connected producer of that client sits idle.
//
// Brokers and principal come from the environment as infra/local/env.sh sets them (KAFKA_BROKERS,
// KAFKA_SASL_USERNAME/PASSWORD); topics are created and deleted as KAFKA_ADMIN_USER (the stack's
// super user, docs/adr/0013-kafka-principals.md), defaulting to the same principal.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import {
  Admin,
  Consumer as PlatformaticConsumer,
  Producer as PlatformaticProducer,
  compatibilityPartitioner,
  stringSerializers,
  type SASLOptions as PlatformaticSasl,
} from '@platformatic/kafka';
import { Kafka, logLevel, type EachBatchPayload } from 'kafkajs';
import { acknowledgedProducer } from '../src/acknowledged-producer.ts';

const N = Number(process.env.BENCH_KAFKA_MESSAGES ?? 20_000);
const ROUNDS = Number(process.env.BENCH_KAFKA_ROUNDS ?? 3);
const BATCH = Number(process.env.BENCH_KAFKA_BATCH ?? 500);
const PARTITIONS = Number(process.env.BENCH_KAFKA_PARTITIONS ?? 6);
/** The whole run gives up after this long rather than hang on a broker that stopped answering. */
const DEADLINE_MS = Number(process.env.BENCH_KAFKA_DEADLINE_MS ?? 15 * 60_000);

const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092')
  .split(',')
  .map((b) => b.trim())
  .filter(Boolean);
const username = process.env.KAFKA_SASL_USERNAME || undefined;
const password = process.env.KAFKA_SASL_PASSWORD || undefined;
const adminUser = process.env.KAFKA_ADMIN_USER || username;
const adminPassword = process.env.KAFKA_ADMIN_PASSWORD || password;
const runId = `${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;

type Client = 'kafkajs' | 'platformatic';
const CLIENTS: readonly Client[] = ['kafkajs', 'platformatic'];

// kafkajs 2.2.4 arms a negative setTimeout on Node 24 (docs/adr/0014-kafka-client.md); counted so
// the run shows whether it still happens.
let negativeTimeoutWarnings = 0;
process.on('warning', (warning) => {
  if (warning.name === 'TimeoutNegativeWarning') negativeTimeoutWarnings += 1;
});

const hardStop = setTimeout(() => {
  console.error(`kafka-clients bench: gave up after ${DEADLINE_MS} ms`);
  process.exit(1);
}, DEADLINE_MS);

const scram = (user: string | undefined, secret: string | undefined): { sasl?: PlatformaticSasl } =>
  user && secret ? { sasl: { mechanism: 'SCRAM-SHA-512', username: user, password: secret } } : {};
const kafkajsSasl = username && password ? { sasl: { mechanism: 'scram-sha-512' as const, username, password } } : {};

const kafka = new Kafka({ clientId: `bench-kafkajs-${runId}`, brokers, ...kafkajsSasl, logLevel: logLevel.NOTHING });
const admin = new Admin({ clientId: `bench-admin-${runId}`, bootstrapBrokers: brokers, ...scram(adminUser, adminPassword) });

interface BenchMessage {
  key: string;
  value: string;
  headers: Record<string, string>;
}

/** N messages shaped like the outbox relay's: the envelope as value, its partition key as key. */
function messages(round: number): BenchMessage[] {
  return Array.from({ length: N }, (_, index) => {
    const id = randomUUID();
    const orderId = randomUUID();
    const traceId = randomUUID().replaceAll('-', '');
    const envelope = {
      id,
      type: 'order.created.v1',
      occurred_at: new Date().toISOString().replace('Z', ''),
      source: 'order',
      correlation_id: `bench-${round}-${index}`,
      trace_id: traceId,
      payload: { order_id: orderId, sale_id: 'sale-bench', user_id: `u-${index}`, quantity: 1, amount_cents: 1999 },
      metadata: { partition_key: orderId, tenant_id: 'tenant-bench' },
    };
    return {
      key: orderId,
      value: JSON.stringify(envelope),
      headers: {
        'event-id': id,
        'event-type': envelope.type,
        'correlation-id': envelope.correlation_id,
        'tenant-id': 'tenant-bench',
        traceparent: `00-${traceId}-${traceId.slice(0, 16)}-01`,
      },
    };
  });
}

const created: string[] = [];
const groups: string[] = [];

async function createTopic(name: string): Promise<void> {
  // The broker's default replication factor, as the platform's own topics get.
  await admin.createTopics({ topics: [name], partitions: PARTITIONS, replicas: -1 });
  created.push(name);
  // Until every partition's leader answers for it, a first send can be refused.
  const until = Date.now() + 30_000;
  for (;;) {
    try {
      const listed = await admin.listOffsets({
        topics: [{ name, partitions: Array.from({ length: PARTITIONS }, (_, p) => ({ partitionIndex: p, timestamp: -1n })) }],
      });
      if ((listed[0]?.partitions.length ?? 0) === PARTITIONS) return;
    } catch (error) {
      if (Date.now() > until) throw error;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Produce figures: messages per second from the first send to the last acknowledgement. */
async function produceKafkajs(topic: string, batch: BenchMessage[]): Promise<number> {
  const producer = acknowledgedProducer(kafka, {
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    retry: { retries: 2, initialRetryTime: 100 },
  });
  await producer.connect();
  try {
    const started = performance.now();
    for (let start = 0; start < batch.length; start += BATCH) {
      await producer.send({ topic, acks: -1, messages: batch.slice(start, start + BATCH) });
    }
    return batch.length / ((performance.now() - started) / 1000);
  } finally {
    await producer.disconnect();
  }
}

async function producePlatformatic(topic: string, batch: BenchMessage[]): Promise<number> {
  const producer = new PlatformaticProducer({
    clientId: `bench-platformatic-${runId}`,
    bootstrapBrokers: brokers,
    ...scram(username, password),
    idempotent: true,
    acks: -1,
    retries: 2,
    retryDelay: 100,
    autocreateTopics: false,
    // The Java client's placement (murmur2 & 0x7fffffff), which kafkajs's DefaultPartitioner also
    // uses; the library's default partitioner places some keys elsewhere.
    partitioner: compatibilityPartitioner,
    serializers: stringSerializers,
  });
  try {
    // Producer id and metadata before the clock starts, as kafkajs's connect() does.
    await producer.initIdempotentProducer({});
    await producer.metadata({ topics: [topic] });
    const started = performance.now();
    for (let start = 0; start < batch.length; start += BATCH) {
      const result = await producer.send({ messages: batch.slice(start, start + BATCH).map((m) => ({ topic, ...m })) });
      if (!result.offsets || result.offsets.length === 0) throw new Error(`send to ${topic} resolved without offsets`);
    }
    return batch.length / ((performance.now() - started) / 1000);
  } finally {
    await producer.close();
  }
}

const IDLE_MS = Number(process.env.BENCH_KAFKA_IDLE_MS ?? 2000);

/**
 * CPU the process spends, per cent of one core, while a connected producer that has sent once does
 * nothing. kafkajs's request queue re-arms its pending-request check every millisecond once a
 * connection has answered (the negative timeout above, clamped by Node to 1 ms).
 */
async function idleCpuPct(client: Client, topic: string): Promise<number> {
  const one = [{ key: 'idle', value: '{}' }];
  let close: () => Promise<void>;
  if (client === 'kafkajs') {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: one });
    close = () => producer.disconnect();
  } else {
    const producer = new PlatformaticProducer({
      clientId: `bench-platformatic-${runId}`,
      bootstrapBrokers: brokers,
      ...scram(username, password),
      idempotent: true,
      partitioner: compatibilityPartitioner,
      serializers: stringSerializers,
    });
    await producer.send({ messages: one.map((m) => ({ topic, ...m })) });
    close = () => producer.close();
  }
  try {
    const before = process.cpuUsage();
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    const used = process.cpuUsage(before);
    return ((used.user + used.system) / 1000 / (performance.now() - started)) * 100;
  } finally {
    await close();
  }
}

interface ConsumeFigures {
  perSecond: number;
  joinMs: number;
  /** Partition each key was read from, to compare the two clients' placement. */
  placement: Map<string, number>;
}

/** What a handler would do with a record: decode the headers and parse the envelope. */
function handle(value: string, headers: Record<string, string>, seen: Set<string>): void {
  const envelope = JSON.parse(value) as { id: string };
  if (headers['event-id'] !== envelope.id) throw new Error(`header event-id ${headers['event-id']} is not envelope id ${envelope.id}`);
  seen.add(envelope.id);
}

async function consumeKafkajs(topic: string): Promise<ConsumeFigures> {
  const groupId = `bench-kafkajs-${runId}-${groups.length}`;
  groups.push(groupId);
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
  const seen = new Set<string>();
  const placement = new Map<string, number>();
  let first = 0;
  let last = 0;
  const started = performance.now();
  let finished!: () => void;
  const done = new Promise<void>((resolve) => (finished = resolve));
  await consumer.connect();
  try {
    // As the events runtime runs it (src/consumer/event-consumer.ts): eachBatch, offsets resolved
    // one by one after handling, committed by kafkajs after each batch.
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: true,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 4,
      eachBatch: async (payload: EachBatchPayload) => {
        const { batch } = payload;
        if (first === 0) first = performance.now();
        for (const message of batch.messages) {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(message.headers ?? {})) if (Buffer.isBuffer(value)) headers[name] = value.toString('utf8');
          handle(message.value?.toString('utf8') ?? '', headers, seen);
          placement.set(message.key?.toString('utf8') ?? '', batch.partition);
          payload.resolveOffset(message.offset);
        }
      },
    });
    // kafkajs commits after eachBatch returns; its commit event says it landed.
    consumer.on(consumer.events.COMMIT_OFFSETS, () => {
      if (seen.size >= N && last === 0) {
        last = performance.now();
        finished();
      }
    });
    await done;
  } finally {
    await consumer.disconnect();
  }
  return { perSecond: N / ((last - first) / 1000), joinMs: first - started, placement };
}

async function consumePlatformatic(topic: string): Promise<ConsumeFigures> {
  const groupId = `bench-platformatic-${runId}-${groups.length}`;
  groups.push(groupId);
  const consumer = new PlatformaticConsumer({ clientId: `bench-platformatic-${runId}`, groupId, bootstrapBrokers: brokers, ...scram(username, password) });
  const seen = new Set<string>();
  const placement = new Map<string, number>();
  const started = performance.now();
  let first = 0;
  try {
    // A new group starts from the beginning (the fallback when it has no committed offset), as
    // kafkajs's fromBeginning; commits only when asked, after handling.
    const stream = await consumer.consume({ topics: [topic], mode: 'committed', fallbackMode: 'earliest', autocommit: false });
    const commits: Array<Promise<void>> = [];
    for await (const message of stream) {
      if (first === 0) first = performance.now();
      const headers: Record<string, string> = {};
      for (const [name, value] of message.headers) headers[name.toString('utf8')] = value.toString('utf8');
      handle(message.value.toString('utf8'), headers, seen);
      placement.set(message.key.toString('utf8'), message.partition);
      // The library coalesces commits per partition into one request in flight; waiting for each
      // would make the rate one round trip per message.
      const committed = message.commit();
      if (committed) commits.push(committed);
      if (seen.size >= N) break;
    }
    await Promise.all(commits);
    const last = performance.now();
    await stream.close();
    return { perSecond: N / ((last - first) / 1000), joinMs: first - started, placement };
  } finally {
    await consumer.close(true);
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
const round1 = (value: number) => Math.round(value);

const figures: Record<Client, { produce: number[]; consume: number[]; joinMs: number[]; idleCpuPct: number[] }> = {
  kafkajs: { produce: [], consume: [], joinMs: [], idleCpuPct: [] },
  platformatic: { produce: [], consume: [], joinMs: [], idleCpuPct: [] },
};
let placementMismatches = 0;

try {
  console.log(
    `kafka-clients bench: ${N} messages, batches of ${BATCH}, ${PARTITIONS} partitions, ${ROUNDS} rounds, brokers ${brokers.join(',')}, run ${runId}`,
  );
  for (let round = 0; round < ROUNDS; round += 1) {
    const batch = messages(round);
    const order = round % 2 === 0 ? CLIENTS : [...CLIENTS].reverse();
    const placements = new Map<Client, Map<string, number>>();
    for (const client of order) {
      const topic = `bench.kafka-clients.${runId}.${client}.r${round}.v1`;
      await createTopic(topic);
      const produced = client === 'kafkajs' ? await produceKafkajs(topic, batch) : await producePlatformatic(topic, batch);
      const consumed = client === 'kafkajs' ? await consumeKafkajs(topic) : await consumePlatformatic(topic);
      figures[client].produce.push(produced);
      figures[client].consume.push(consumed.perSecond);
      figures[client].joinMs.push(consumed.joinMs);
      placements.set(client, consumed.placement);
      const idle = await idleCpuPct(client, topic);
      figures[client].idleCpuPct.push(idle);
      console.log(
        `round ${round + 1} ${client.padEnd(12)} produce ${round1(produced)} msg/s  consume ${round1(consumed.perSecond)} msg/s  (group join ${round1(consumed.joinMs)} ms)  idle producer ${idle.toFixed(1)} % CPU`,
      );
    }
    const [a, b] = [placements.get('kafkajs'), placements.get('platformatic')];
    if (a && b) for (const [key, partition] of a) if (b.get(key) !== partition) placementMismatches += 1;
    console.log(
      `round ${round + 1} ratio platformatic/kafkajs: produce ${((figures.platformatic.produce[round] ?? 0) / (figures.kafkajs.produce[round] ?? 1)).toFixed(2)}  consume ${((figures.platformatic.consume[round] ?? 0) / (figures.kafkajs.consume[round] ?? 1)).toFixed(2)}`,
    );
  }
} finally {
  if (groups.length > 0) await admin.deleteGroups({ groups }).catch((error: unknown) => console.error('deleting the bench groups failed:', error));
  if (created.length > 0) await admin.deleteTopics({ topics: created }).catch((error: unknown) => console.error('deleting the bench topics failed:', error));
  await admin.close();
}

const ratios = (kind: 'produce' | 'consume') => figures.platformatic[kind].map((value, index) => value / (figures.kafkajs[kind][index] ?? 1));
console.log(
  JSON.stringify({
    bench: 'kafka-clients',
    messages: N,
    batch: BATCH,
    partitions: PARTITIONS,
    rounds: ROUNDS,
    kafkajs_produce_per_s: round1(median(figures.kafkajs.produce)),
    platformatic_produce_per_s: round1(median(figures.platformatic.produce)),
    produce_ratio_platformatic_vs_kafkajs: Number(median(ratios('produce')).toFixed(2)),
    kafkajs_consume_per_s: round1(median(figures.kafkajs.consume)),
    platformatic_consume_per_s: round1(median(figures.platformatic.consume)),
    consume_ratio_platformatic_vs_kafkajs: Number(median(ratios('consume')).toFixed(2)),
    kafkajs_group_join_ms: round1(median(figures.kafkajs.joinMs)),
    platformatic_group_join_ms: round1(median(figures.platformatic.joinMs)),
    kafkajs_idle_producer_cpu_pct: Number(median(figures.kafkajs.idleCpuPct).toFixed(1)),
    platformatic_idle_producer_cpu_pct: Number(median(figures.platformatic.idleCpuPct).toFixed(1)),
    placement_mismatches: placementMismatches,
    timeout_negative_warnings: negativeTimeoutWarnings,
  }),
);
clearTimeout(hardStop);
