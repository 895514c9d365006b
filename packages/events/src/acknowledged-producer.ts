/**
 * A Kafka producer whose send resolves only once the brokers acknowledged every partition its
 * messages went to.
 *
 * kafkajs 2.2.4 keeps each broker's answer across the retries of one send and asks again only the
 * brokers that have not answered. When a partition's leader moves mid-send (its broker killed) to a
 * broker that already answered for other partitions, the moved partition is never written, yet
 * `send()` resolves with the answers it has (tulios/kafkajs#1303). A relay that then marks its rows
 * published has lost events. The partitioner here records where each message went (the Java
 * client's murmur2 placement, as everywhere in the platform); a send whose answer lacks one of those
 * partitions, or reports an error for it, throws `UnacknowledgedWriteError` instead, and the caller
 * sends again (consumers dedupe a record that did arrive).
 *
 * A send that fails, or resolves without every acknowledgement, retires the kafkajs producer under
 * it: the next send connects a new one. An idempotent kafkajs producer whose send gave up keeps
 * sequence numbers ahead of what the broker holds, so the resend would be refused for the partition
 * (OUT_OF_ORDER_SEQUENCE_NUMBER) or taken for a duplicate and dropped; under a new producer id it
 * is written (once more, if the broker did keep it: consumers dedupe). This is what makes a bounded
 * retry count safe for an idempotent producer (`ServiceKafka`, transport/kafka-transport.ts).
 *
 * Sends go one at a time through one of these, so the record of placements belongs to one send.
 */
import { Partitioners, type ICustomPartitioner, type Kafka, type Producer, type ProducerConfig } from 'kafkajs';
import type { EventPublisher } from './transport/event-publisher.ts';
import type { PublishAnswer, PublishRecord } from './transport/messages.ts';

export class UnacknowledgedWriteError extends Error {
  readonly topic: string;
  readonly partitions: readonly number[];
  constructor(topic: string, partitions: readonly number[]) {
    super(`the brokers acknowledged no write to ${topic} partition(s) ${partitions.join(', ')} although the send resolved`);
    this.name = 'UnacknowledgedWriteError';
    this.topic = topic;
    this.partitions = partitions;
  }
}

export type AcknowledgedProducer = EventPublisher;

/** Every partition of `placed` with an error-free answer for `topic`; the others, sorted. */
export function unacknowledgedPartitions(topic: string, placed: Iterable<number>, answers: readonly PublishAnswer[]): number[] {
  const acknowledged = new Set(answers.filter((answer) => answer.topicName === topic && answer.errorCode === 0).map((answer) => answer.partition));
  return [...new Set(placed)].filter((partition) => !acknowledged.has(partition)).sort((a, b) => a - b);
}

export function acknowledgedProducer(kafka: Kafka, config: Omit<ProducerConfig, 'createPartitioner'> = {}): AcknowledgedProducer {
  let placed = new Set<number>();
  const createPartitioner: ICustomPartitioner = () => {
    const place = Partitioners.DefaultPartitioner();
    return (args) => {
      const partition = place(args);
      placed.add(partition);
      return partition;
    };
  };
  let current: Producer | undefined;

  const connected = async (): Promise<Producer> => {
    if (current) return current;
    const created = kafka.producer({ ...config, createPartitioner });
    await created.connect();
    current = created;
    return created;
  };
  /** Its disconnect is not waited for: the caller's retry backoff starts now, not after it. */
  const retire = (failed: Producer) => {
    if (current === failed) current = undefined;
    failed.disconnect().catch(() => undefined);
  };

  const sendOne = async (record: PublishRecord): Promise<PublishAnswer[]> => {
    const producer = await connected();
    // Placements of this send only: kafkajs places the messages again on each of its retries.
    placed = new Set(record.messages.flatMap((message) => (message.partition === undefined ? [] : [message.partition])));
    try {
      const answers = await producer.send(record);
      const missing = unacknowledgedPartitions(record.topic, placed, answers);
      if (missing.length > 0) throw new UnacknowledgedWriteError(record.topic, missing);
      return answers;
    } catch (error) {
      retire(producer);
      throw error;
    }
  };

  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };
  return {
    connect: () => serially(async () => void (await connected())),
    disconnect: () =>
      serially(async () => {
        const producer = current;
        current = undefined;
        await producer?.disconnect();
      }),
    send: (record) => serially(() => sendOne(record)),
  };
}
