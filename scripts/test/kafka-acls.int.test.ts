/**
 * The brokers authenticate every client and allow each service's principal only what the event
 * catalog grants it (packages/events/src/kafka-acls.ts, applied by the stack's preparation through
 * scripts/stack/kafka-acls.ts), on the topology the stack runs. The refusals are the brokers' own:
 * a service publishing to another service's topic, a consumer reading a topic it did not declare,
 * a consumer joining another service's group, a service creating topics, a client without
 * credentials or with a wrong password.
 *
 * The allowed paths write to topics of this test's own prefix, with the catalog's grants derived
 * for that prefix, so no event reaches the stack's real topics.
 */
import {
  aclEntryKey,
  applyKafkaAcls,
  createKafkaTransport,
  describePrincipalsAcls,
  toAclEntry,
  ensureTopics,
  kafkaAcls,
  removeKafkaAcls,
  KafkaAccessDeniedError,
  type KafkaAclBinding,
  type KafkaTransport,
  type TopicReader,
} from '@flash-sale/events';
import { serviceKafkaCredentials } from '@flash-sale/service-kit';
import { resolveServers } from '@flash-sale/testkit';
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { applyStackKafkaAcls, kafkaUserOf, stackKafkaAcls } from '../stack/kafka-acls.ts';
import { stackEnvironment } from './support/stack-environment.ts';

// Tests on testcontainers' broker have no principals to check: it is PLAINTEXT without an
// authorizer (packages/testkit/src/servers.ts), and the stack these checks read may not run.
const skip =
  (await resolveServers()).source === 'testcontainers'
    ? 'servers from testcontainers: their Kafka broker has no SASL/SCRAM principals nor authorizer to refuse anything'
    : false;
const stackEnv = stackEnvironment(process.env.STACK_TOPOLOGY ?? 'single');
const brokers = stackEnv.KAFKA_BROKERS!.split(',');
const services = ['order', 'payment', 'inventory', 'reconciler'] as const;
type Service = (typeof services)[number];

/**
 * A transport as the principal. The client reports a refused group coordinator lookup only as
 * "Failed to find group coordinator"; the broker's own answer is in its debug log, which `refusals`
 * collects.
 */
const client = (name: string, credentials: { KAFKA_SASL_USERNAME?: string; KAFKA_SASL_PASSWORD?: string }, refusals: string[] = []): KafkaTransport =>
  createKafkaTransport(
    { KAFKA_BROKERS: brokers, KAFKA_SASL_USERNAME: credentials.KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD: credentials.KAFKA_SASL_PASSWORD },
    {
      clientId: `kafka-acls-test-${name}`,
      logLevel: 'debug',
      onLog: (entry) => {
        if (entry.message === 'Tried to find group coordinator' && entry.errorType) refusals.push(entry.errorType);
      },
      retry: { retries: 1, initialRetryTime: 100 },
      connectionTimeoutMs: 3000,
    },
  );
// What the stack's preparation does, again: idempotent, and it removes grants an interrupted run of
// this test left on its own prefix, so the first check does not depend on a clean history.
if (!skip) await applyStackKafkaAcls(stackEnv);
const admin = client('admin', stackEnv).admin();
if (!skip) await admin.connect();
t.teardown(() => admin.disconnect());
const asService = (service: Service, refusals?: string[]) => client(service, serviceKafkaCredentials(service, stackEnv), refusals);

/**
 * What the broker answered: `allowed`, the refusal of a `KafkaAccessDeniedError`
 * (TOPIC_AUTHORIZATION_FAILED, …), or the message of any other error.
 */
const outcome = async (work: () => Promise<unknown>): Promise<string> => {
  try {
    await work();
    return 'allowed';
  } catch (error) {
    return error instanceof KafkaAccessDeniedError ? error.refusal : error instanceof Error ? error.message : String(error);
  }
};
const TOPIC_REFUSED = /^TOPIC_AUTHORIZATION_FAILED$/;

/**
 * New grants reach each broker through the cluster's metadata log a moment after they are created:
 * on three brokers a partition leader or group coordinator may still refuse for a short while (a
 * loaded two-core machine made it over a second). An allowed path is tried again while the broker
 * refuses it for authorization, up to this long; a refusal that lasts is the answer. The refusals
 * the test expects are of grants that never exist, so they are not retried.
 */
const GRANT_PROPAGATION_MS = 15_000;
const AUTHORIZATION_REFUSED = /_AUTHORIZATION_FAILED$/;
const onceGranted = async (attempt: () => Promise<string>): Promise<string> => {
  const deadline = Date.now() + GRANT_PROPAGATION_MS;
  for (;;) {
    const answer = await attempt();
    if (!AUTHORIZATION_REFUSED.test(answer) || Date.now() >= deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
};

/** Runs a consumer until its first message (`received <value>`) or its crash (the error's type). */
const consumeFirst = async (consumer: TopicReader, topic: string, timeoutMs = 20_000): Promise<string> => {
  const crashed = new Promise<string>((resolve) =>
    consumer.onCrash((error) => resolve(error instanceof KafkaAccessDeniedError ? error.refusal : error instanceof Error ? error.message : String(error))),
  );
  const subscribed = await outcome(async () => {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
  });
  if (subscribed !== 'allowed') return subscribed;
  const received = new Promise<string>((resolve, reject) => {
    consumer.run({ eachMessage: async ({ message }) => resolve(`received ${message.value?.toString()}`) }).catch(reject);
  });
  const timeout = new Promise<string>((resolve) => setTimeout(() => resolve('timed out'), timeoutMs).unref());
  return Promise.race([
    received.catch((error: unknown) => (error instanceof KafkaAccessDeniedError ? error.refusal : error instanceof Error ? error.message : String(error))),
    crashed,
    timeout,
  ]);
};

t.test('the brokers hold exactly the grants the catalog derives for each service principal', { skip }, async (t) => {
  const derived = stackKafkaAcls(stackEnv);
  for (const service of services) {
    const principal = `User:${kafkaUserOf(service, stackEnv)}`;
    const wanted = derived
      .filter((binding) => binding.principal === principal)
      .map((binding) => aclEntryKey(toAclEntry(binding)))
      .sort();
    // The broker answering may not have applied a grant the preparation above just (re)created.
    const heldNow = async () => (await describePrincipalsAcls(admin, [principal])).map(aclEntryKey).sort();
    let held = await heldNow();
    for (const deadline = Date.now() + GRANT_PROPAGATION_MS; held.join() !== wanted.join() && Date.now() < deadline; held = await heldNow())
      await new Promise((resolve) => setTimeout(resolve, 250));
    t.ok(wanted.length > 0, `${principal} has grants`);
    t.same(held, wanted, `${principal}: the ${wanted.length} derived grants and no other`);
  }
});

t.test('a client without credentials, or with a wrong password, is refused', { skip }, async (t) => {
  // The broker answers ApiVersions before authentication (that is how a client learns the SASL
  // versions) and closes the connection at the first request of anything else.
  const anonymous = client('anonymous', {}).admin();
  t.teardown(() => anonymous.disconnect());
  t.match(
    await outcome(async () => (await anonymous.connect(), anonymous.listTopics())),
    /Closed connection/,
    'without credentials the broker answers nothing',
  );
  t.match(
    await outcome(() =>
      client('wrong', { KAFKA_SASL_USERNAME: kafkaUserOf('payment', stackEnv), KAFKA_SASL_PASSWORD: 'not-the-password' })
        .admin()
        .connect(),
    ),
    /^SASL_AUTHENTICATION_FAILED$/,
    'a wrong password is refused',
  );
});

t.test('each principal may do what the catalog grants it and nothing of another service', { skip }, async (t) => {
  const runId = randomUUID().slice(0, 8);
  const topicPrefix = `acl-${runId}.`;
  const groupPrefix = `acl-${runId}-`;
  const grants: KafkaAclBinding[] = kafkaAcls({ userOf: (service) => kafkaUserOf(service, stackEnv), topicPrefix, groupPrefix });
  await ensureTopics(admin, undefined, topicPrefix);
  await applyKafkaAcls(admin, grants);
  // The prefix's grants go again, but not those the stack holds too (each service's IDEMPOTENT_WRITE
  // on the cluster has no prefix): removing them would take them from the stack's own services.
  const stackGrants = new Set(stackKafkaAcls(stackEnv).map((binding) => aclEntryKey(toAclEntry(binding))));
  const ownGrants = grants.filter((binding) => !stackGrants.has(aclEntryKey(toAclEntry(binding))));
  t.teardown(async () => {
    await removeKafkaAcls(admin, ownGrants);
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(topicPrefix));
    await admin.deleteTopics({ topics, timeout: 10_000 }).catch(() => undefined);
    await admin.deleteGroups(services.map((service) => `${groupPrefix}${service}`)).catch(() => undefined);
  });
  const topic = (name: string) => `${topicPrefix}${name}`;

  const order = asService('order').publisher();
  await order.connect();
  t.teardown(() => order.disconnect());
  t.equal(
    await onceGranted(() => outcome(() => order.send({ topic: topic('order.order.created.v1'), messages: [{ key: 'o-1', value: `created-${runId}` }] }))),
    'allowed',
    'order publishes order.created',
  );
  /** A fresh reader of `service` in its own group, until its first message (a refused one cannot be reused). */
  const readsInOwnGroup = (service: Service) =>
    onceGranted(async () => {
      const reader = asService(service).reader({ groupId: `${groupPrefix}${service}`, maxWaitTimeInMs: 100 });
      try {
        return await consumeFirst(reader, topic('order.order.created.v1'));
      } finally {
        await reader.disconnect();
      }
    });
  t.match(
    await outcome(() => order.send({ topic: topic('payment.payment.completed.v1'), messages: [{ key: 'o-1', value: 'forged' }] })),
    TOPIC_REFUSED,
    'order publishing payment.completed (the event that marks an order paid) is refused by the broker',
  );

  const payment = asService('payment').publisher();
  await payment.connect();
  t.teardown(() => payment.disconnect());
  t.match(
    await outcome(() => payment.send({ topic: topic('inventory.stock.committed.v1'), messages: [{ value: 'forged' }] })),
    TOPIC_REFUSED,
    'payment publishing inventory.stock.committed is refused',
  );

  const reconciler = asService('reconciler').publisher();
  await reconciler.connect();
  t.teardown(() => reconciler.disconnect());
  t.match(
    await outcome(() => reconciler.send({ topic: topic('order.consumer.dead-lettered.v1'), messages: [{ value: 'forged' }] })),
    TOPIC_REFUSED,
    "the reconciler writing the order consumer's dead-letter topic is refused",
  );

  t.equal(await readsInOwnGroup('payment'), `received created-${runId}`, 'payment reads order.created in its own group');

  const undeclared = asService('payment').reader({ groupId: `${groupPrefix}payment`, maxWaitTimeInMs: 100, retries: 0 });
  t.teardown(() => undeclared.disconnect());
  t.match(
    await consumeFirst(undeclared, topic('inventory.stock.released.v1')),
    TOPIC_REFUSED,
    'payment reading inventory.stock.released, which it did not declare, is refused',
  );

  const groupRefusals: string[] = [];
  const otherGroup = asService('inventory', groupRefusals).reader({ groupId: `${groupPrefix}payment`, maxWaitTimeInMs: 100, retries: 0 });
  t.teardown(() => otherGroup.disconnect());
  t.not(
    await consumeFirst(otherGroup, topic('order.order.created.v1')),
    `received created-${runId}`,
    "inventory joining payment's consumer group gets nothing, though it may read the topic",
  );
  t.ok(groupRefusals.includes('GROUP_AUTHORIZATION_FAILED'), `the broker answered GROUP_AUTHORIZATION_FAILED (${groupRefusals.join(', ')})`);
  t.equal(await readsInOwnGroup('inventory'), `received created-${runId}`, 'in its own group inventory reads the same topic');

  const orderAdmin = asService('order').admin();
  t.teardown(() => orderAdmin.disconnect());
  await orderAdmin.connect();
  t.match(
    await outcome(() => orderAdmin.createTopics({ topics: [{ topic: topic('order.order.invented.v1'), numPartitions: 1 }] })),
    TOPIC_REFUSED,
    'a service creating a topic is refused: only the stack preparation creates topics',
  );
});
