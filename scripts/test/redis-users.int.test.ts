/**
 * Each service reaches Redis as a user of its own (services/<service>/src/infra/redis-access.ts, applied by
 * the stack's preparation through scripts/stack/redis-users.ts): a sale's life works across the
 * services' users, and each user is refused what is another service's, on the topology the stack
 * runs (on cluster the users are on every node, replicas included).
 */
import { createRedis, bullmqPrefix, type RedisClient } from '@flash-sale/service-kit';
import { SALE_REBUILD_QUEUE, StockReservations, saleIdempotencyKey, saleKeys } from '@flash-sale/stock-reservations';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import t, { type Test } from 'tap';
import { applyRedisUsers, redisUsers } from '../stack/redis-users.ts';
import { stackEnvironment } from './support/stack-environment.ts';

const stackEnv: NodeJS.ProcessEnv = stackEnvironment(process.env.STACK_TOPOLOGY ?? 'single');
const nodes = (stackEnv.REDIS_CLUSTER_NODES ?? '').split(',').filter(Boolean);
const services = ['order', 'payment', 'inventory', 'reconciler'] as const;
type Service = (typeof services)[number];

// Applying is idempotent (each user is reset first): the test does not depend on a preparation
// having run since the declarations last changed.
const nodeCount = await applyRedisUsers(stackEnv);
const admin = createRedis({ REDIS_URL: stackEnv.REDIS_URL!, REDIS_CLUSTER_NODES: nodes });
t.teardown(() => admin.quit());
const clients = Object.fromEntries(
  services.map((service) => {
    const client = createRedis({ REDIS_URL: stackEnv[`${service.toUpperCase()}_REDIS_URL`]!, REDIS_CLUSTER_NODES: nodes }, { maxRetriesPerRequest: 1 });
    t.teardown(() => client.quit());
    return [service, client];
  }),
) as Record<Service, RedisClient>;

/** A connection of the service's user for a BullMQ queue: BullMQ leaves a connection it was given open. */
const queueConnection = (t: Test, service: Service) => {
  const connection = clients[service].duplicate();
  t.teardown(() => connection.quit());
  return connection;
};

const refusal = async (work: Promise<unknown>): Promise<string> => {
  try {
    await work;
    return 'allowed';
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
};

t.test('every service has a user of its own on every node', async (t) => {
  t.same(
    redisUsers(stackEnv)
      .map(({ user }) => user)
      .sort(),
    ['inventory_svc', 'order_svc', 'payment_svc', 'reconciler_svc'],
  );
  t.equal(nodeCount, nodes.length || 1, nodes.length ? 'all six cluster nodes' : 'the one server');
  for (const service of services) t.equal(String(await clients[service].ping()), 'PONG', `${service} connects as its user`);
  // Without credentials a connection is refused: the default user, the stack's administrator, has a password.
  const server = new URL(stackEnv.REDIS_URL!);
  const stranger = new Redis({
    host: server.hostname,
    port: Number(server.port),
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    enableReadyCheck: false,
    retryStrategy: () => null,
  });
  t.teardown(() => stranger.disconnect());
  await stranger.connect();
  t.match(await refusal(stranger.set('sale:{any}:stock', '1')), /NOAUTH/, 'a connection without credentials can do nothing');
});

t.test(
  "a sale goes through the services' own users: inventory arms, order reserves with its Idempotency-Key, inventory commits, the reconciler reads the books",
  async (t) => {
    const saleId = randomUUID();
    t.teardown(async () => void (await admin.del(...Object.values(saleKeys('', saleId)), saleIdempotencyKey('', saleId, 'buyer'))));
    const now = Date.now();
    const inventory = new StockReservations(clients.inventory);
    t.same(
      await inventory.arm({
        saleId,
        tenantId: 'acl',
        skuId: 'sku',
        stock: 5,
        unitPriceMinor: 100,
        currency: 'EUR',
        startsAtMs: now - 1000,
        endsAtMs: now + 60_000,
        perUserLimit: 2,
        holdTtlMs: 60_000,
      }),
      { armed: true },
    );
    const reserved = await new StockReservations(clients.order).reserve({
      saleId,
      tenantId: 'acl',
      orderId: 'o1',
      userId: 'u1',
      quantity: 1,
      nowMs: now,
      idempotency: { key: saleIdempotencyKey('', saleId, 'buyer'), requestHash: 'h', inFlightTtlMs: 10_000 },
    });
    t.ok(reserved.ok, 'the order service reserves');
    t.same(await inventory.commit({ saleId, orderId: 'o1' }), { committed: true }, 'the inventory service commits');
    t.match(await new StockReservations(clients.reconciler).view(saleId), { available: 4, held: 0, sold: 1 }, 'the reconciler reads the books');
  },
);

t.test("each service is refused what is another's", async (t) => {
  const saleId = randomUUID();
  t.teardown(async () => void (await admin.del(...Object.values(saleKeys('', saleId)))));
  const now = Date.now();
  await new StockReservations(admin).arm({
    saleId,
    tenantId: 'acl',
    skuId: 'sku',
    stock: 5,
    unitPriceMinor: 100,
    currency: 'EUR',
    startsAtMs: now - 1000,
    endsAtMs: now + 60_000,
    perUserLimit: 2,
    holdTtlMs: 60_000,
  });

  t.match(
    await refusal(new StockReservations(clients.inventory).reserve({ saleId, tenantId: 'acl', orderId: 'o2', userId: 'u2', quantity: 1, nowMs: now })),
    /NOPERM/,
    "inventory cannot run the reservation script (the buyers are the order service's)",
  );
  const reconciliation = new Queue('reconciliation', { connection: queueConnection(t, 'order'), prefix: bullmqPrefix('reconciliation') });
  reconciliation.on('error', () => undefined); // its own start-up writes are refused as well
  t.teardown(() => reconciliation.close());
  t.match(await refusal(reconciliation.getJobCounts()), /NOPERM/, "order cannot touch the reconciler's queue");
  t.match(await refusal(new StockReservations(clients.payment).view(saleId)), /NOPERM/, 'payment cannot read a sale');
  t.match(
    await refusal(clients.reconciler.get(saleIdempotencyKey('', saleId, 'buyer'))),
    /NOPERM/,
    "the reconciler cannot read a buyer's Idempotency-Key record",
  );
  for (const service of services) {
    t.match(await refusal(clients[service].call('FLUSHALL')), /NOPERM/, `${service} cannot flush`);
    t.match(await refusal(clients[service].call('CONFIG', 'GET', 'maxmemory')), /NOPERM/, `${service} cannot read the configuration`);
  }

  // What each does own stays open: the order service its rebuild requests, the others nothing more.
  const rebuilds = new Queue(SALE_REBUILD_QUEUE, { connection: queueConnection(t, 'order'), prefix: bullmqPrefix(SALE_REBUILD_QUEUE) });
  t.teardown(() => rebuilds.close());
  t.equal(await refusal(rebuilds.getJobCounts()), 'allowed', 'order reads the sale-rebuild queue it asks on');
});
