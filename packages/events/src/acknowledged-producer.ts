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
 * Sends go one at a time through one of these, so the record of placements belongs to one send.
 */
import { Partitioners, type ICustomPartitioner, type Kafka, type ProducerConfig, type ProducerRecord, type RecordMetadata } from 'kafkajs';

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

export interface AcknowledgedProducer {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** One topic per send; resolves with the brokers' answers once every partition is acknowledged. */
  send(record: ProducerRecord): Promise<RecordMetadata[]>;
}

/** Every partition of `placed` with an error-free answer for `topic`; the others, sorted. */
export function unacknowledgedPartitions(topic: string, placed: Iterable<number>, answers: readonly RecordMetadata[]): number[] {
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
  const producer = kafka.producer({ ...config, createPartitioner });

  const sendOne = async (record: ProducerRecord): Promise<RecordMetadata[]> => {
    // Placements of this send only: kafkajs places the messages again on each of its retries.
    placed = new Set(record.messages.flatMap((message) => (message.partition === undefined ? [] : [message.partition])));
    const answers = await producer.send(record);
    const missing = unacknowledgedPartitions(record.topic, placed, answers);
    if (missing.length > 0) throw new UnacknowledgedWriteError(record.topic, missing);
    return answers;
  };

  let queue: Promise<unknown> = Promise.resolve();
  return {
    connect: () => producer.connect(),
    disconnect: () => producer.disconnect(),
    send(record) {
      const next = queue.then(
        () => sendOne(record),
        () => sendOne(record),
      );
      queue = next.catch(() => undefined);
      return next;
    },
  };
}
