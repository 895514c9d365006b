/**
 * For tests of a service's consumer: a topic of the test's own with its dead-letter and quarantine
 * topics, a way to publish envelopes onto it as the outbox relay would (JSON value, the event's
 * partition key, the platform's headers), and the consumer runtime started on it with the settings tests use. Everything is
 * stopped after the test. `kafka` is a test's own transport: `createTestKafka` (./test-kafka.ts).
 */
import type { KafkaTransport } from '../transport/kafka-transport.ts';
import { createEventConsumer, type EventConsumer, type EventConsumerOptions } from '../consumer/event-consumer.ts';
import type { Envelope } from '../envelope.ts';
import { HEADER } from '../kafka-headers.ts';

type Teardown = (fn: () => Promise<void> | void) => void;

/** What the consumer needs of a test's Kafka (`TestKafka` has it). */
export interface KafkaForTests {
  kafka: KafkaTransport;
  createTopic: () => Promise<string>;
  groupId: () => string;
}

/** The consumer's own parts; the topics, group and fetch settings come from here. */
export type ConsumerUnderTest = Omit<EventConsumerOptions, 'kafka' | 'groupId' | 'topicFor' | 'deadLetterTopic' | 'quarantineTopic' | 'consumerConfig'>;

export interface ConsumerOnTestTopics {
  topic: string;
  deadLetterTopic: string;
  quarantineTopic: string;
  /** Publishes the envelopes in order as the outbox relay does (JSON value, its partition key), acknowledged by every replica. */
  publish: (...envelopes: Envelope[]) => Promise<void>;
  /** Starts the consumer on the topic (from its beginning); stopped after the test. */
  start: (options: ConsumerUnderTest) => Promise<EventConsumer>;
}

export async function consumerOnTestTopics(teardown: Teardown, testKafka: KafkaForTests): Promise<ConsumerOnTestTopics> {
  const [topic, deadLetterTopic, quarantineTopic] = await Promise.all([testKafka.createTopic(), testKafka.createTopic(), testKafka.createTopic()]);
  const producer = testKafka.kafka.publisher();
  await producer.connect();
  teardown(() => producer.disconnect());
  return {
    topic,
    deadLetterTopic,
    quarantineTopic,
    publish: async (...envelopes) => {
      const messages = envelopes.map((envelope) => ({
        key: envelope.metadata.partition_key,
        value: JSON.stringify(envelope),
        headers: {
          [HEADER.eventId]: envelope.id,
          [HEADER.eventType]: envelope.type,
          [HEADER.correlationId]: envelope.correlation_id,
          [HEADER.tenantId]: envelope.metadata.tenant_id,
        },
      }));
      await producer.send({ topic, acks: -1, messages });
    },
    start: async (options) => {
      const consumer = createEventConsumer({
        ...options,
        kafka: testKafka.kafka,
        groupId: testKafka.groupId(),
        topicFor: () => topic,
        deadLetterTopic,
        quarantineTopic,
        // A short fetch wait: a test's events arrive one by one, not in a stream.
        consumerConfig: { maxWaitTimeInMs: 100 },
      });
      await consumer.start();
      teardown(() => consumer.stop());
      return consumer;
    },
  };
}
