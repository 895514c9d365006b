/**
 * The publish seam: every send resolves once the brokers acknowledged each partition it wrote
 * (`acknowledgedProducer`, which also explains why). Idempotent, one send in flight.
 */
import type { PublishAnswer, PublishRecord } from './messages.ts';

export interface EventPublisher {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** One topic per send; resolves with the brokers' answers once every partition is acknowledged. */
  send(record: PublishRecord): Promise<PublishAnswer[]>;
}

export interface PublisherOptions {
  /** Default false: topics are created by the stack's preparation only. */
  allowAutoTopicCreation?: boolean;
  /** Retries of one send before it fails (the outbox relay bounds them and retires the producer). */
  retry?: { retries?: number; initialRetryTime?: number; maxRetryTime?: number };
}
