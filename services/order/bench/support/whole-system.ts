/**
 * What a user deploys, started for one bench run: order, inventory, payment, reconciler and the
 * payment-provider simulator, each as `node services/<name>/src/main.ts`, on databases, topics
 * and consumer groups of the run's own (uuid-named, removed afterwards) and the run's private
 * Redis. Also the readings of its event pipeline: outbox lag, consumer lag, events handled.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { allTopics, createKafkaTransport, ensureTopics, outboxLag, platformMigrationsDir, type TopicAdmin } from '@flash-sale/events';
import { createTestDatabase, freePort, type Servers, type TestDatabase } from '@flash-sale/testkit';
import { openSale } from '@flash-sale/testkit/open-sale';
import { repoRoot, scrapeMetrics, signOpsToken, startProcess, sumSeries, waitUntilReady, type BenchProcess } from './processes.ts';

type Cleanup = () => Promise<void> | void;
type ServiceName = 'order' | 'inventory' | 'payment' | 'reconciler';

export interface WholeSystem {
  processes: BenchProcess[];
  orderUrl: string;
  /** A sale with stock for every order of the run, and one sold out before the first round. */
  acceptedSaleId: string;
  soldOutSaleId: string;
  orderDatabase: TestDatabase;
  /** The pipeline behind an accepted order: order's outbox, then order.created in inventory and payment. */
  pipeline(): Promise<{ outboxRows: number; outboxAgeSeconds: number; consumerLag: number }>;
  /** order.created events the inventory consumer has finished with, since it started. */
  inventoryHandled(): Promise<number>;
}

export async function startWholeSystem(options: {
  servers: Servers;
  redisUrl: string;
  jwtSecret: string;
  runId: string;
  logDir: string;
  shopperToken: string;
  cleanup: (fn: Cleanup) => void;
}): Promise<WholeSystem> {
  const { servers, runId } = options;
  const groupPrefix = `bench-${runId}-`;
  const topicPrefix = `bench-${runId}.`;
  const teardown = (fn: Cleanup) => options.cleanup(fn);

  const databases = {} as Record<ServiceName, TestDatabase>;
  for (const name of ['order', 'inventory', 'payment', 'reconciler'] as const) {
    databases[name] = await createTestDatabase(teardown, {
      prefix: `bench_${name}`,
      migrationsDirs: [platformMigrationsDir, `${repoRoot}services/${name}/migrations`],
    });
  }

  const kafka = createKafkaTransport({ KAFKA_BROKERS: servers.kafkaBrokers, ...servers.kafkaCredentials }, { clientId: `bench-${runId}` });
  const admin: TopicAdmin = kafka.admin();
  await admin.connect();
  const topics = allTopics().map((topic) => `${topicPrefix}${topic.name}`);
  teardown(async () => {
    await admin.deleteGroups(['order', 'inventory', 'payment'].map((name) => `${groupPrefix}${name}`)).catch(() => undefined);
    await admin.deleteTopics({ topics, timeout: 10_000 }).catch(() => undefined);
    await admin.disconnect();
  });
  await ensureTopics(admin, allTopics(), topicPrefix);

  const ports = { order: await freePort(), payment: await freePort(), inventory: await freePort(), reconciler: await freePort(), provider: await freePort() };
  const eventKey = randomBytes(32).toString('base64');
  const common = (name: ServiceName) => ({
    MYSQL_URL: databases[name].url,
    REDIS_URL: options.redisUrl,
    KAFKA_BROKERS: servers.kafkaBrokers.join(','),
    KAFKA_GROUP_ID_PREFIX: groupPrefix,
    KAFKA_TOPIC_PREFIX: topicPrefix,
    JWT_SECRET: options.jwtSecret,
    NODE_ENV: 'development',
    // What a deployment logs: JSON lines (development would otherwise pretty-print through a worker).
    LOG_FORMAT: 'json',
    // Restricted event fields are sealed as in a deployment, with a key of this run's own.
    EVENT_ENCRYPTION_KEYS: `bench-${runId}:${eventKey}`,
    EVENT_ENCRYPTION_KEY_ID: `bench-${runId}`,
  });
  const webhookSecret = `bench-webhook-${runId}`;
  const providerUrl = `http://127.0.0.1:${ports.provider}`;
  const start = async (name: string, port: number, env: Record<string, string>) =>
    (await startProcess({ name, script: `services/${name}/src/main.ts`, port, env, logDir: options.logDir })).process;

  const processes: BenchProcess[] = [];
  teardown(async () => {
    for (const running of [...processes].reverse()) await running.stop();
  });
  processes.push(
    await start('provider-sim', ports.provider, {
      PROVIDER_PUBLIC_URL: providerUrl,
      PROVIDER_WEBHOOK_URL: `http://127.0.0.1:${ports.payment}/v1/webhooks/provider`,
      PROVIDER_WEBHOOK_SECRET: webhookSecret,
    }),
  );
  processes.push(await start('inventory', ports.inventory, common('inventory')));
  processes.push(
    await start('payment', ports.payment, {
      ...common('payment'),
      PAYMENT_PROVIDER_URL: providerUrl,
      PAYMENT_WEBHOOK_SECRETS: webhookSecret,
      ORDER_URL: `http://127.0.0.1:${ports.order}`,
    }),
  );
  processes.push(
    await start('order', ports.order, {
      ...common('order'),
      PAYMENT_URL: `http://127.0.0.1:${ports.payment}`,
      INVENTORY_URL: `http://127.0.0.1:${ports.inventory}`,
    }),
  );
  processes.push(
    await start('reconciler', ports.reconciler, {
      ...common('reconciler'),
      ORDER_SCHEMA: databases.order.name,
      PAYMENT_SCHEMA: databases.payment.name,
      INVENTORY_SCHEMA: databases.inventory.name,
    }),
  );
  for (const running of processes) await waitUntilReady(running, running.name === 'provider-sim' ? '/health/live' : '/health/ready');

  // The sales, made and armed the way an operator does it.
  const inventoryUrl = `http://127.0.0.1:${ports.inventory}`;
  const ops = signOpsToken(options.jwtSecret, 't1');
  const sale = async (stock: number) =>
    (
      await openSale(inventoryUrl, ops, {
        skuId: `bench-${runId}-${stock}`,
        name: 'Bench sneaker',
        stock,
        perUserLimit: 10_000,
        // Longer than any run: no hold expires while the bench measures.
        holdTtlSeconds: 4 * 3600,
        openForMs: 4 * 3_600_000,
      })
    ).saleId;
  const acceptedSaleId = await sale(100_000_000);
  const soldOutSaleId = await sale(1);
  const orderUrl = `http://127.0.0.1:${ports.order}`;
  const last = await fetch(`${orderUrl}/v1/orders`, {
    method: 'POST',
    headers: { authorization: `Bearer ${options.shopperToken}`, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({ sale_id: soldOutSaleId, quantity: 1 }),
  });
  if (last.status !== 201) throw new Error(`the last unit of the sold-out sale was not sold: ${last.status} ${await last.text()}`);

  const createdTopic = `${topicPrefix}order.order.created.v1`;
  const consumerLag = async () => {
    const ends = await admin.fetchTopicOffsets(createdTopic);
    let lag = 0;
    for (const group of ['inventory', 'payment']) {
      const [committed] = await admin.fetchOffsets({ groupId: `${groupPrefix}${group}`, topics: [createdTopic] });
      for (const end of ends) {
        const offset = Number(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
        // No commit yet: the group starts at the beginning of the partition.
        lag += Math.max(0, Number(end.high) - Math.max(offset, Number(end.low)));
      }
    }
    return lag;
  };
  const inventory = processes.find((running) => running.name === 'inventory');
  return {
    processes,
    orderUrl,
    acceptedSaleId,
    soldOutSaleId,
    orderDatabase: databases.order,
    async pipeline() {
      const [outbox, lag] = await Promise.all([outboxLag(databases.order.pool), consumerLag()]);
      return { outboxRows: outbox.unpublished, outboxAgeSeconds: outbox.oldestAgeSeconds, consumerLag: lag };
    },
    async inventoryHandled() {
      if (!inventory) return 0;
      return sumSeries(await scrapeMetrics(inventory.url), 'event_processed_total', { consumer: 'inventory', type: 'order.created.v1' });
    },
  };
}
