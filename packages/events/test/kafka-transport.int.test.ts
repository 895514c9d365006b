/**
 * The transport seam's contract against the real brokers: what callers outside this package rely
 * on, since only this package speaks to the Kafka client. Publish and read back (keys, headers),
 * the admin's topic, offset and group calls, and a refused principal as a typed error.
 */
import { resolveServers, uniqueName, waitFor } from '@flash-sale/testkit';
import t, { type Test } from 'tap';
import { createKafkaTransport, KafkaAccessDeniedError, type EventPublisher, type ReceivedMessage } from '../src/index.ts';
import { createTestKafka } from '../src/testing/index.ts';

const { kafka, brokers, createTopic, groupId } = await createTestKafka(t.teardown.bind(t));
const admin = kafka.admin();
await admin.connect();
t.teardown(() => admin.disconnect());
/**
 * A publisher per test: a client's metadata covers every topic it sent to, and a topic one test
 * deleted would hold up the next test's sends.
 */
async function publisherFor(t: Test): Promise<EventPublisher> {
  const publisher = kafka.publisher();
  await publisher.connect();
  t.teardown(() => publisher.disconnect());
  return publisher;
}

/** Reads `topic` from its start through `group` until `count` records arrived; commits what it read. */
async function readBack(topic: string, group: string, count: number): Promise<ReceivedMessage[]> {
  const reader = kafka.reader({ groupId: group, maxWaitTimeInMs: 100 });
  const received: ReceivedMessage[] = [];
  await reader.connect();
  try {
    await reader.subscribe({ topics: [topic], fromBeginning: true });
    await reader.run({ eachMessage: async ({ message }) => void received.push(message) });
    await waitFor(() => received.length >= count, { what: `${count} records on ${topic} (have ${received.length})`, timeoutMs: 30_000 });
  } finally {
    // Disconnecting commits the offsets read so far.
    await reader.disconnect();
  }
  return received;
}

t.test('a published record is read back with its key, value and headers', async (t) => {
  const topic = await createTopic({ numPartitions: 3 });
  const publisher = await publisherFor(t);
  const answers = await publisher.send({
    topic,
    messages: [
      { key: 'order-1', value: 'first', headers: { 'event-id': 'e-1', 'event-type': 'order.created.v1' } },
      { key: 'order-2', value: Buffer.from('second'), headers: { 'event-id': 'e-2' } },
    ],
  });
  t.ok(
    answers.every((answer) => answer.topicName === topic && answer.errorCode === 0),
    'every partition written acknowledged',
  );
  const received = await readBack(topic, groupId(), 2);
  const byKey = new Map(received.map((message) => [message.key?.toString(), message]));
  t.equal(byKey.get('order-1')?.value?.toString(), 'first');
  t.equal(String(byKey.get('order-1')?.headers?.['event-type']), 'order.created.v1');
  t.equal(String(byKey.get('order-2')?.headers?.['event-id']), 'e-2');
  t.equal(byKey.get('order-2')?.value?.toString(), 'second');
});

t.test('the admin creates a topic, and reads its end offsets and the offsets at a time', async (t) => {
  const topic = `test.${uniqueName('transport').replace('_', '.')}.v1`;
  t.teardown(() => admin.deleteTopics({ topics: [topic], timeout: 10_000 }).catch(() => undefined));
  const publisher = await publisherFor(t);
  t.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: -1 }], waitForLeaders: false }), true, 'created');
  await waitFor(async () => (await admin.listTopics()).includes(topic), { what: `${topic} listed`, timeoutMs: 30_000 });
  await waitFor(async () => (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0]?.partitions.every((p) => p.leader >= 0) ?? false, {
    what: `leader of ${topic}`,
    timeoutMs: 30_000,
    intervalMs: 100,
  });
  const published = 5;
  await waitFor(
    async () => {
      await publisher.send({
        topic,
        messages: Array.from({ length: published }, (_, i) => ({ key: 'k', value: `v${i}`, timestamp: String(1_000 * (i + 1)) })),
      });
      return true;
    },
    { what: `a first send to ${topic}`, timeoutMs: 30_000, intervalMs: 200 },
  );
  const [end] = await admin.fetchTopicOffsets(topic);
  t.match(end, { partition: 0, low: '0', high: String(published) }, 'the end offset counts the records published');
  t.same(await admin.fetchTopicOffsetsByTimestamp(topic, 3_000), [{ partition: 0, offset: '2' }], 'the first record stamped at or after the time');
});

t.test("a group's committed offsets after its reader committed, then the group deleted", async (t) => {
  const topic = await createTopic();
  const publisher = await publisherFor(t);
  await publisher.send({ topic, messages: [1, 2, 3].map((n) => ({ key: `k${n}`, value: `v${n}` })) });
  const group = groupId();
  t.same(
    await admin.fetchOffsets({ groupId: group, topics: [topic] }),
    [{ topic, partitions: [{ partition: 0, offset: '-1', metadata: null }] }],
    'nothing committed yet',
  );
  await readBack(topic, group, 3);
  const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  t.equal(committed?.partitions[0]?.offset, '3', 'committed past the third record');
  const { groups } = await admin.describeGroups([group]);
  t.equal(groups[0]?.state, 'Empty', 'no member left');
  await admin.deleteGroups([group]);
  const [afterDelete] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  t.equal(afterDelete?.partitions[0]?.offset, '-1', 'the deleted group holds no offset');
});

t.test('a principal the brokers refuse surfaces as KafkaAccessDeniedError', async (t) => {
  const servers = await resolveServers();
  t.ok(servers.kafkaCredentials.KAFKA_SASL_USERNAME, 'the stack signs clients in (SASL)');
  const wrong = createKafkaTransport(
    { KAFKA_BROKERS: brokers, KAFKA_SASL_USERNAME: servers.kafkaCredentials.KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD: 'not-the-password' },
    { clientId: 'transport-test-wrong', retry: { retries: 0 } },
  );
  const refused = wrong.admin();
  t.teardown(() => refused.disconnect());
  const error = await refused.connect().then(
    () => undefined,
    (caught: unknown) => caught,
  );
  t.type(error, KafkaAccessDeniedError, 'a wrong password');
  t.equal((error as KafkaAccessDeniedError).refusal, 'SASL_AUTHENTICATION_FAILED');

  const orderPassword = process.env.ORDER_KAFKA_PASSWORD;
  if (!orderPassword) {
    t.comment('ORDER_KAFKA_PASSWORD is not in the environment: no service principal to be refused a topic');
    return;
  }
  const order = createKafkaTransport(
    { KAFKA_BROKERS: brokers, KAFKA_SASL_USERNAME: 'order_svc', KAFKA_SASL_PASSWORD: orderPassword },
    { clientId: 'transport-test-order', retry: { retries: 0 } },
  );
  const orderAdmin = order.admin();
  await orderAdmin.connect();
  t.teardown(() => orderAdmin.disconnect());
  const denied = await orderAdmin.createTopics({ topics: [{ topic: `test.${uniqueName('refused')}.v1`, numPartitions: 1 }] }).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  t.type(denied, KafkaAccessDeniedError, 'a service creating a topic');
  t.equal((denied as KafkaAccessDeniedError).refusal, 'TOPIC_AUTHORIZATION_FAILED');
});
