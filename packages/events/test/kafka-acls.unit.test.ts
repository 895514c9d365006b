/**
 * The Kafka grants derived from the catalog (src/kafka-acls.ts): each topic writable by its producer
 * (and the reconciler's repairs) alone, readable by its declared consumers, each consumer group
 * usable by its service alone, and nothing broader than a named topic or group.
 */
import t from 'tap';
import { allTopics, domainTopics, formatKafkaAcls, kafkaAcls, throwawayGroupPrefix, type KafkaAclBinding, type ServiceName } from '../src/index.ts';

const userOf = (service: ServiceName) => `${service}_svc`;
const grants = kafkaAcls({ userOf });
const holders = (resourceName: string, operation: KafkaAclBinding['operation']) =>
  grants
    .filter((binding) => binding.resourceName === resourceName && binding.operation === operation)
    .map((binding) => binding.principal)
    .sort();

t.test('a topic is written by its producer; a domain topic also by the reconciler, which republishes stuck and redriven events', async (t) => {
  for (const topic of allTopics()) {
    const expected = [`User:${userOf(topic.producer)}`, ...(domainTopics.includes(topic) ? ['User:reconciler_svc'] : [])].sort();
    t.same(holders(topic.name, 'WRITE'), expected, topic.name);
  }
  t.same(holders('payment.payment.completed.v1', 'WRITE'), ['User:payment_svc', 'User:reconciler_svc'], 'order and inventory may not publish a payment');
  t.same(holders('order.consumer.dead-lettered.v1', 'WRITE'), ['User:order_svc'], "a consumer's dead-letter topic is its own");
});

t.test("a topic is read by its declared consumers and the reconciler's replay, and by no one else", async (t) => {
  for (const topic of allTopics()) {
    const readers = new Set([...topic.consumers, ...(domainTopics.includes(topic) ? (['reconciler'] as const) : [])]);
    t.same(holders(topic.name, 'READ'), [...readers].map((service) => `User:${userOf(service)}`).sort(), topic.name);
  }
  t.same(holders('inventory.stock.released.v1', 'READ'), ['User:reconciler_svc'], 'a topic no service consumes is read by the replay alone');
});

t.test('each consumer group is joined by its service alone; the reconciler only describes it', async (t) => {
  for (const service of ['order', 'payment', 'inventory'] as const) {
    t.same(holders(service, 'READ'), [`User:${userOf(service)}`], `group ${service}`);
    t.same(holders(service, 'DESCRIBE'), ['User:reconciler_svc'], `group ${service}: lag`);
  }
  for (const prefix of Object.values(throwawayGroupPrefix)) {
    const bindings = grants.filter((binding) => binding.resourceName === prefix);
    t.ok(
      bindings.every((binding) => binding.patternType === 'PREFIXED' && binding.principal === 'User:reconciler_svc'),
      `${prefix}* is the reconciler's`,
    );
  }
});

t.test('nothing broader than named topics and groups; no administration', async (t) => {
  t.ok(
    grants.every((binding) => binding.resourceName !== '*' && binding.resourceName !== ''),
    'no wildcard resource',
  );
  t.ok(
    grants.every((binding) => binding.resourceType !== 'TOPIC' || binding.patternType === 'LITERAL'),
    'topics by their full names',
  );
  t.ok(
    grants.every((binding) => ['READ', 'WRITE', 'DESCRIBE', 'DELETE', 'IDEMPOTENT_WRITE'].includes(binding.operation)),
    'no create, alter or cluster action',
  );
  t.ok(
    grants.every((binding) => binding.resourceType !== 'CLUSTER' || binding.operation === 'IDEMPOTENT_WRITE'),
    'on the cluster, idempotent writes only',
  );
  t.ok(
    grants.every((binding) => binding.operation !== 'DELETE' || binding.resourceType === 'GROUP'),
    'deletes only throwaway groups',
  );
  const keys = grants.map((binding) => `${binding.principal} ${binding.resourceType} ${binding.resourceName} ${binding.operation}`);
  t.equal(new Set(keys).size, keys.length, 'no grant twice');
});

t.test('the prefixes of an isolated run go in front of every topic and consumer group', async (t) => {
  const prefixed = kafkaAcls({ userOf, topicPrefix: 'run-1.', groupPrefix: 'run-1-' });
  t.equal(prefixed.length, grants.length);
  t.ok(prefixed.filter((binding) => binding.resourceType === 'TOPIC').every((binding) => binding.resourceName.startsWith('run-1.')));
  t.same(holders('order', 'READ'), ['User:order_svc']);
  t.ok(prefixed.some((binding) => binding.resourceName === 'run-1-order' && binding.operation === 'READ'));
  t.match(formatKafkaAcls(prefixed), /User:order_svc\n {2}ALLOW WRITE +topic run-1\.order\.order\.created\.v1 +produces order\.order\.created\.v1/);
});
