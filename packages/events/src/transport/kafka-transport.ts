/**
 * The Kafka transport seam. Only this package imports the Kafka client; every other package, script
 * and test reaches the brokers through a `KafkaTransport`: a `TopicAdmin`, an `EventPublisher`, a
 * `TopicReader`, and the event consumer runtime (`createEventConsumer`), which takes the transport.
 * Constructors: a process's `main.ts`, the scripts and the test kits; everything else receives one.
 */
import { Kafka, logLevel as KafkaLogLevel, type KafkaConfig, type LogEntry, type Producer, type ProducerConfig } from 'kafkajs';
import type { Logger } from 'pino';
import { acknowledgedProducer } from '../acknowledged-producer.ts';
import type { EventPublisher, PublisherOptions } from './event-publisher.ts';
import { refusable } from './errors.ts';
import { topicAdmin, type TopicAdmin } from './topic-admin.ts';
import { topicReader, type ReaderOptions, type TopicReader } from './topic-reader.ts';

export interface KafkaTransport {
  readonly clientId: string;
  /** Not connected: `connect()` it, `disconnect()` it when done. */
  admin(): TopicAdmin;
  /** Not connected: `connect()` it, or let its first send connect it. */
  publisher(options?: PublisherOptions): EventPublisher;
  reader(options: ReaderOptions): TopicReader;
}

/** Where Kafka is and who the process is there (config: `KAFKA_BROKERS`, `KAFKA_SASL_USERNAME`, `KAFKA_SASL_PASSWORD`). */
export interface KafkaTarget {
  KAFKA_BROKERS: readonly string[];
  KAFKA_SASL_USERNAME?: string | undefined;
  KAFKA_SASL_PASSWORD?: string | undefined;
}

export interface ScramCredentials {
  mechanism: 'scram-sha-512';
  username: string;
  password: string;
}

/**
 * The SASL part of a client's configuration: SCRAM-SHA-512 as the named principal, or nothing when
 * no principal is named. Takes the parsed config or the raw environment; a user without a password,
 * or the reverse, is refused rather than sent to the broker as an anonymous connection.
 */
export function kafkaAuth(source: { KAFKA_SASL_USERNAME?: string | undefined; KAFKA_SASL_PASSWORD?: string | undefined }): { sasl?: ScramCredentials } {
  const username = source.KAFKA_SASL_USERNAME || undefined;
  const password = source.KAFKA_SASL_PASSWORD || undefined;
  if (!username && !password) return {};
  if (!username || !password) throw new Error('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are set together or not at all');
  return { sasl: { mechanism: 'scram-sha-512', username, password } };
}

export type TransportLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

/** One line of the client's own log, for `onLog`. */
export interface TransportLogEntry {
  level: Exclude<TransportLogLevel, 'nothing'>;
  namespace: string;
  message: string;
  /** The broker's error type when the line reports one (e.g. `GROUP_AUTHORIZATION_FAILED`). */
  errorType?: string;
}

export interface KafkaTransportOptions {
  clientId: string;
  /** The client's log lines go to this pino logger (component `kafkajs`), from `warn` unless `logLevel` says. */
  logger?: Logger;
  /** Instead of a logger: each log line to a function (a test reading what the client was told). */
  onLog?: (entry: TransportLogEntry) => void;
  /** Default `warn` with a logger or `onLog`, `nothing` without either. */
  logLevel?: TransportLogLevel;
  /** Connections, the admin, readers and consumers (default 8 retries from 200 ms); idempotent publishers see `ServiceKafka`. */
  retry?: { retries?: number; initialRetryTime?: number };
  connectionTimeoutMs?: number;
}

const levels: Record<TransportLogLevel, KafkaLogLevel> = {
  nothing: KafkaLogLevel.NOTHING,
  error: KafkaLogLevel.ERROR,
  warn: KafkaLogLevel.WARN,
  info: KafkaLogLevel.INFO,
  debug: KafkaLogLevel.DEBUG,
};

const levelNames: Record<number, Exclude<TransportLogLevel, 'nothing'>> = {
  [KafkaLogLevel.ERROR]: 'error',
  [KafkaLogLevel.WARN]: 'warn',
  [KafkaLogLevel.INFO]: 'info',
  [KafkaLogLevel.DEBUG]: 'debug',
};

/**
 * kafkajs hands the client's `retry` to every producer it creates, so the client's retry count
 * also capped idempotent producers. One that gives up after a count and is used again resends with
 * sequence numbers the broker may already hold: the broker then refuses the partition
 * (OUT_OF_ORDER_SEQUENCE_NUMBER) or acknowledges a different record as a duplicate of the one it
 * kept, without writing it. That is kafkajs's "Limiting retries for the idempotent producer may
 * invalidate EoS guarantees". An idempotent producer therefore keeps kafkajs's own policy for
 * idempotence (retry until the broker answers, the delay capped by maxRetryTime) unless its caller
 * states a retry policy of its own.
 */
export class ServiceKafka extends Kafka {
  override producer(config: ProducerConfig = {}): Producer {
    if (!config.idempotent || config.retry) return super.producer(config);
    return super.producer({ ...config, retry: { retries: Number.MAX_SAFE_INTEGER } });
  }
}

const LIMITED_IDEMPOTENT_RETRIES = 'Limiting retries for the idempotent producer may invalidate EoS guarantees';

/**
 * A broker's error answer to one request (`Response InitProducerId(…)`, "The coordinator is
 * loading"), which kafkajs logs at error and then throws to its caller: kafkajs retries what is
 * retriable (a coordinator still loading after a broker start, a leader moving), and what is not, or
 * outlives the retries, reaches our code as an error that is logged where it is handled. So the line
 * itself says nothing a reader must act on: it is kept at debug.
 */
const answeredWithError = (entry: LogEntry) => entry.namespace === 'Connection' && entry.log.message.startsWith('Response ') && 'error' in entry.log;

function logCreator(options: KafkaTransportOptions): KafkaConfig['logCreator'] {
  const { logger, onLog } = options;
  if (!logger && !onLog) return undefined;
  const kafkaLogger = logger?.child({ component: 'kafkajs' });
  return () => (entry: LogEntry) => {
    const level = levelNames[entry.level] ?? 'info';
    // pino stamps its own time; kafkajs's timestamp and logger name would only repeat it and the component.
    const { message, timestamp: _timestamp, logger: _logger, ...rest } = entry.log;
    // Said at the creation of an idempotent producer with bounded retries. Those are the outbox
    // relay's, which sends through `acknowledgedProducer`: a failed send retires the kafkajs
    // producer, so no later send reuses the sequence numbers the warning is about. Every other
    // idempotent producer keeps unbounded retries (ServiceKafka above).
    if (message === LIMITED_IDEMPOTENT_RETRIES) return;
    kafkaLogger?.[answeredWithError(entry) ? 'debug' : level]({ namespace: entry.namespace, ...rest }, message);
    if (onLog) {
      const errorType = (rest.error as { type?: unknown } | undefined)?.type;
      onLog({ level, namespace: entry.namespace, message, ...(typeof errorType === 'string' ? { errorType } : {}) });
    }
  };
}

const clients = new WeakMap<KafkaTransport, Kafka>();

/** The client under a transport: for this package's publisher, consumer runtime and relay only. */
export function kafkaClientOf(transport: KafkaTransport): Kafka {
  const client = clients.get(transport);
  if (!client) throw new Error('not a KafkaTransport of createKafkaTransport');
  return client;
}

/** A transport to the brokers of `target`, signed in as its principal. Connects nothing yet. */
export function createKafkaTransport(target: KafkaTarget, options: KafkaTransportOptions): KafkaTransport {
  const creator = logCreator(options);
  const client = new ServiceKafka({
    clientId: options.clientId,
    brokers: [...target.KAFKA_BROKERS],
    ...kafkaAuth(target),
    logLevel: levels[options.logLevel ?? (creator ? 'warn' : 'nothing')],
    ...(creator ? { logCreator: creator } : {}),
    retry: { initialRetryTime: 200, retries: 8, ...options.retry },
    ...(options.connectionTimeoutMs === undefined ? {} : { connectionTimeout: options.connectionTimeoutMs }),
  });
  return transportOver(client, options.clientId);
}

/** The seam over a client of this package's making (createKafkaTransport; a test's recording client). */
export function transportOver(client: Kafka, clientId: string): KafkaTransport {
  const transport: KafkaTransport = {
    clientId,
    admin: () => topicAdmin(client.admin()),
    publisher: (publisherOptions = {}) => {
      const producer = acknowledgedProducer(client, {
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: publisherOptions.allowAutoTopicCreation ?? false,
        ...(publisherOptions.retry ? { retry: publisherOptions.retry } : {}),
      });
      return {
        connect: () => refusable(() => producer.connect()),
        disconnect: () => producer.disconnect(),
        send: (record) => refusable(() => producer.send(record)),
      };
    },
    reader: ({ groupId, maxWaitTimeInMs, retries }) =>
      topicReader(
        client.consumer({
          groupId,
          allowAutoTopicCreation: false,
          ...(maxWaitTimeInMs === undefined ? {} : { maxWaitTimeInMs }),
          ...(retries === undefined ? {} : { retry: { retries } }),
        }),
      ),
  };
  clients.set(transport, client);
  return transport;
}
