// A send kafkajs resolves without an answer for a partition it placed messages on (tulios/kafkajs
// #1303: a leader moved mid-send to a broker that had answered already) must fail, not pass as
// written. The stand-in below is kafkajs's side of the exchange only: it places each message with
// the partitioner the producer was built with and answers for the partitions it is told to.
import type { Kafka, ProducerConfig, ProducerRecord, RecordMetadata } from 'kafkajs';
import t from 'tap';
import { acknowledgedProducer, unacknowledgedPartitions, UnacknowledgedWriteError } from '../src/acknowledged-producer.ts';

const PARTITIONS = 6;
const partitionMetadata = Array.from({ length: PARTITIONS }, (_, partitionId) => ({ partitionId, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));

/** A Kafka whose producer answers for every partition it placed a message on, except `dropped`. */
function kafkaAnsweringExcept(dropped: Set<number>) {
  const sent: number[][] = [];
  const made = { producers: 0, disconnected: 0 };
  const kafka = {
    producer(config: ProducerConfig) {
      made.producers += 1;
      const place = config.createPartitioner!();
      return {
        connect: async () => undefined,
        disconnect: async () => void (made.disconnected += 1),
        send: async (record: ProducerRecord): Promise<RecordMetadata[]> => {
          const placed = record.messages.map((message) => message.partition ?? place({ topic: record.topic, partitionMetadata, message }));
          sent.push(placed);
          return [...new Set(placed)].filter((partition) => !dropped.has(partition)).map((partition) => ({ topicName: record.topic, partition, errorCode: 0 }));
        },
      };
    },
  } as unknown as Kafka;
  return { kafka, sent, made };
}

const messages = Array.from({ length: 40 }, (_, i) => ({ key: `order-${i}`, value: String(i) }));

t.test('a send answered for every partition its messages went to resolves with the answers', async (t) => {
  const { kafka, sent } = kafkaAnsweringExcept(new Set());
  const producer = acknowledgedProducer(kafka);
  const answers = await producer.send({ topic: 'orders', messages });
  t.equal(new Set(sent[0]).size, PARTITIONS, 'forty keys spread over every partition');
  t.equal(answers.length, PARTITIONS);
});

t.test('a send that resolved without an answer for a partition it wrote to fails, naming the partition', async (t) => {
  const { kafka } = kafkaAnsweringExcept(new Set([3]));
  const producer = acknowledgedProducer(kafka);
  await t.rejects(producer.send({ topic: 'orders', messages }), new UnacknowledgedWriteError('orders', [3]));
});

t.test('a message given its partition counts like one the partitioner placed', async (t) => {
  const { kafka } = kafkaAnsweringExcept(new Set([5]));
  const producer = acknowledgedProducer(kafka);
  await t.rejects(producer.send({ topic: 'orders', messages: [{ key: null, value: 'x', partition: 5 }] }), new UnacknowledgedWriteError('orders', [5]));
});

t.test('placements belong to one send, and a refused send retires its producer: the next send goes through a new one and resolves', async (t) => {
  const dropped = new Set([0, 1, 2, 3, 4, 5]);
  const { kafka, made } = kafkaAnsweringExcept(dropped);
  const producer = acknowledgedProducer(kafka);
  await t.rejects(producer.send({ topic: 'orders', messages }), UnacknowledgedWriteError);
  dropped.clear();
  t.equal((await producer.send({ topic: 'orders', messages: messages.slice(0, 1) })).length, 1);
  t.same(made, { producers: 2, disconnected: 1 }, 'the refused send left a new producer id for the resend');
  await producer.send({ topic: 'orders', messages: messages.slice(0, 1) });
  t.equal(made.producers, 2, 'an answered send keeps its producer');
});

t.test('an answer with an error code, or for another topic, is no acknowledgement', async (t) => {
  const answers: RecordMetadata[] = [
    { topicName: 'orders', partition: 0, errorCode: 0 },
    { topicName: 'orders', partition: 1, errorCode: 6 },
    { topicName: 'other', partition: 2, errorCode: 0 },
  ];
  t.same(unacknowledgedPartitions('orders', [0, 1, 2, 2], answers), [1, 2]);
});
