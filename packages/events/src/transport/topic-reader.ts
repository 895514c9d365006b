/**
 * A plain reader of topics, for tools that read a bounded range through a throwaway group (a
 * replay, a redrive, a test checking what was published). It gives none of the event consumer's
 * guarantees (no dedupe, no dead letters): a service's consumer is `createEventConsumer`.
 */
import type { Consumer } from 'kafkajs';
import { refusable, transportError } from './errors.ts';
import type { ReceivedMessage } from './messages.ts';

export interface ReaderOptions {
  groupId: string;
  /** How long the broker holds a fetch open when there is nothing to read (default 5000). */
  maxWaitTimeInMs?: number;
  /** Retries of a refused or failed request before the reader gives up (the client's own otherwise). */
  retries?: number;
}

export interface ReceivedBatch {
  topic: string;
  partition: number;
  messages: ReceivedMessage[];
  /** The offset of the batch's last record. */
  lastOffset(): string;
}

export interface ReaderRun {
  /** Commits what it read (default true); a throwaway reader passes false. */
  autoCommit?: boolean;
  eachMessage?: (record: { topic: string; partition: number; message: ReceivedMessage }) => Promise<void>;
  eachBatch?: (record: { batch: ReceivedBatch }) => Promise<void>;
}

export interface TopicReader {
  connect(): Promise<void>;
  subscribe(options: { topics: string[]; fromBeginning?: boolean }): Promise<void>;
  /** Starts reading; resolves once running. */
  run(options: ReaderRun): Promise<void>;
  /** Taken only once running; applies before the partition's next fetch. */
  seek(position: { topic: string; partition: number; offset: string }): void;
  /** Called when the reader stops on an error it does not retry (a refusal arrives as `KafkaAccessDeniedError`). */
  onCrash(listener: (error: unknown) => void): void;
  disconnect(): Promise<void>;
}

export function topicReader(consumer: Consumer): TopicReader {
  return {
    connect: () => refusable(() => consumer.connect()),
    subscribe: (options) => refusable(() => consumer.subscribe(options)),
    run: ({ autoCommit, eachMessage, eachBatch }) =>
      refusable(() =>
        consumer.run({
          ...(autoCommit === undefined ? {} : { autoCommit }),
          ...(eachMessage ? { eachMessage: ({ topic, partition, message }) => eachMessage({ topic, partition, message }) } : {}),
          ...(eachBatch ? { eachBatch: ({ batch }) => eachBatch({ batch }) } : {}),
        }),
      ),
    seek: (position) => consumer.seek(position),
    onCrash: (listener) => {
      consumer.on(consumer.events.CRASH, ({ payload }) => listener(transportError(payload.error)));
    },
    disconnect: () => consumer.disconnect(),
  };
}
