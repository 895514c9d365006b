// The order service's every Redis use on a real Redis Cluster: reservations and Idempotency-Key
// records through the app, the shared rate budgets, and its BullMQ queues.
import { randomUUID } from 'node:crypto';
import { bullmqPrefix, createLogger, createMetricsRegistry, createRedis, RateLimiter } from '@flash-sale/service-kit';
import { SALE_REBUILD_QUEUE, SoldOutHint, StockReservations, type SaleRebuildRequest } from '@flash-sale/stock-reservations';
import { createTestRedisCluster, startRedisCluster, waitFor } from '@flash-sale/testkit';
import { Queue, Worker } from 'bullmq';
import t from 'tap';
import { IdempotencyStore } from '../src/infra/idempotency.store.ts';
import type { PaymentStatusReader } from '../src/infra/payment-status.client.ts';
import { QueueSaleRebuildRequester } from '../src/infra/sale-directory.ts';
import { EXPIRY_QUEUE, startExpiryWorker } from '../src/workers/expiry.worker.ts';
import { orderHarness, placeOrderRequest } from './support/order-harness.ts';

const logger = createLogger({ service: 'order', level: 'silent' });
const noPayments: PaymentStatusReader = {
  paymentsOf: async (_tenantId, orderIds) =>
    new Map(orderIds.map((orderId) => [orderId, { orderId, state: 'none' as const, paymentId: null, paymentStatus: null }])),
};

t.test('on a Redis Cluster, orders are placed and an Idempotency-Key replays the first 201, its record in the sale’s slot', async (t) => {
  const h = await orderHarness(t);
  const cluster = await createTestRedisCluster(t.teardown.bind(t));
  // The client the service's main.ts makes from REDIS_CLUSTER_NODES.
  const redis = createRedis(cluster.target);
  t.teardown(() => redis.disconnect());
  const app = await h.rebuild({ redis, keyPrefix: cluster.prefix, soldOut: new SoldOutHint() });
  const reservations = new StockReservations(redis, { keyPrefix: cluster.prefix });
  const sales = Array.from({ length: 6 }, () => randomUUID());
  for (const saleId of sales) {
    const nowMs = h.clock.now.getTime();
    await reservations.arm({
      saleId,
      tenantId: 't1',
      skuId: `sku-${saleId}`,
      stock: 2,
      unitPriceMinor: 1999,
      currency: 'EUR',
      startsAtMs: nowMs - 60_000,
      endsAtMs: nowMs + 3_600_000,
      perUserLimit: 1,
      holdTtlMs: 600_000,
    });
  }
  const token = h.token({ userId: 'ann' });
  const records = new IdempotencyStore(redis, h.db.pool, { keyPrefix: cluster.prefix });
  for (const saleId of sales) {
    const key = randomUUID();
    const first = await app.inject(placeOrderRequest(token, key, { sale_id: saleId, quantity: 1 }));
    t.equal(first.statusCode, 201, first.body);
    const again = await app.inject(placeOrderRequest(token, key, { sale_id: saleId, quantity: 1 }));
    t.equal(again.statusCode, 201);
    t.equal(again.headers['idempotent-replayed'], 'true');
    t.same(again.json(), first.json());
    const other = await app.inject(placeOrderRequest(token, key, { sale_id: saleId, quantity: 2 }));
    t.equal(other.json().error.code, 'IDEMPOTENCY_KEY_REUSED', 'another body with the key is refused');
    t.match(await reservations.view(saleId), { available: 1, held: 1 }, 'one hold for the key');
    const record = records.recordKey({ tenantId: 't1', userId: 'ann', key, saleId });
    t.equal(await redis.exists(record), 1);
    t.equal(await redis.cluster('KEYSLOT', record), await redis.cluster('KEYSLOT', saleId), 'the record lives in the sale’s slot');
  }
});

t.test('on a Redis Cluster, rate budgets of many callers flushed at once are all counted', async (t) => {
  const cluster = await createTestRedisCluster(t.teardown.bind(t));
  const redis = createRedis(cluster.target);
  t.teardown(() => redis.disconnect());
  const limiter = new RateLimiter({ redis, service: 'order', keyPrefix: cluster.prefix, localShare: 0.5, flushMs: 5 });
  const budget = { max: 10, windowMs: 60_000 };
  const callers = Array.from({ length: 40 }, (_, i) => `user-${i}`);
  // Within the local share: admitted here and sent to Redis together, in one flush, across many slots.
  for (const caller of callers) for (let i = 0; i < 3; i += 1) t.ok((await limiter.take('principal', caller, budget)).allowed);
  await limiter.close();
  const counts = await Promise.all(callers.map((caller) => redis.get(`${cluster.prefix}rate:order:principal:${caller}`)));
  t.same(
    counts,
    callers.map(() => '3'),
    'every caller’s requests reached the shared count',
  );
  const other = new RateLimiter({ redis, service: 'order', keyPrefix: cluster.prefix, localShare: 0 });
  for (let i = 0; i < 7; i += 1) t.ok((await other.take('principal', 'user-0', budget)).allowed);
  t.notOk((await other.take('principal', 'user-0', budget)).allowed, 'another process sees the spent budget');
});

t.test(
  'on a Redis Cluster, BullMQ needs the hash-tagged prefix: the expiry sweep and a sale-rebuild ask are worked on it, the old plain prefix is refused',
  async (t) => {
    const h = await orderHarness(t);
    const cluster = await createTestRedisCluster(t.teardown.bind(t));
    // As main.ts makes it: no per-command retry limit, no auto-pipelining on a blocking connection.
    const connection = createRedis(cluster.target, { maxRetriesPerRequest: null, enableAutoPipelining: false });
    t.teardown(() => connection.quit());

    const plain = new Queue(EXPIRY_QUEUE, { connection, prefix: `${cluster.prefix}bull` });
    t.teardown(() => plain.close());
    await t.rejects(plain.add('sweep', {}), /CROSSSLOT/, 'the prefix the queues had before spreads one queue over many slots');

    const expiry = await startExpiryWorker({
      connection,
      pool: h.db.pool,
      logger,
      metrics: createMetricsRegistry('order'),
      now: () => h.clock.now,
      payments: noPayments,
      everyMs: 200,
      prefix: bullmqPrefix(EXPIRY_QUEUE, cluster.prefix),
    });
    t.teardown(() => expiry.close());
    let sweeps = 0;
    expiry.worker.on('completed', () => (sweeps += 1));
    await waitFor(() => sweeps >= 2, { timeoutMs: 10_000, what: 'two scheduled sweeps on the cluster' });

    const asked = new Queue<SaleRebuildRequest>(SALE_REBUILD_QUEUE, { connection, prefix: bullmqPrefix(SALE_REBUILD_QUEUE, cluster.prefix) });
    t.teardown(() => asked.close());
    const received: SaleRebuildRequest[] = [];
    const worker = new Worker<SaleRebuildRequest>(SALE_REBUILD_QUEUE, async (job) => void received.push(job.data), {
      connection,
      prefix: bullmqPrefix(SALE_REBUILD_QUEUE, cluster.prefix),
    });
    t.teardown(() => worker.close());
    await new QueueSaleRebuildRequester(asked).ask({ sale_id: 'sale-1', tenant_id: 't1', requested_by: 'order' });
    await waitFor(() => received.length === 1, { timeoutMs: 10_000, what: 'the rebuild ask worked' });
    t.same(received, [{ sale_id: 'sale-1', tenant_id: 't1', requested_by: 'order' }]);
  },
);

t.test(
  'when the master of a sale’s slot is killed, the same cluster client reserves again on the promoted replica within seconds, the counters whole',
  async (t) => {
    // A cluster of its own: killing a node of the shared one would fail other tests.
    const servers = await startRedisCluster({ replicasPerMaster: 1, nodeTimeoutMs: 1000 });
    t.teardown(() => servers.stop());
    const redis = createRedis({ REDIS_URL: servers.url, REDIS_CLUSTER_NODES: servers.nodes });
    t.teardown(() => redis.disconnect());
    const reservations = new StockReservations(redis, { keyPrefix: 'failover:' });
    const saleId = randomUUID();
    const nowMs = Date.now();
    const stock = 100_000;
    await reservations.arm({
      saleId,
      tenantId: 't1',
      skuId: 'sku-1',
      stock,
      unitPriceMinor: 100,
      currency: 'EUR',
      startsAtMs: nowMs - 60_000,
      endsAtMs: nowMs + 3_600_000,
      perUserLimit: 1,
      holdTtlMs: 600_000,
    });
    const slot = Number(await redis.cluster('KEYSLOT', saleId));
    const ranges = await redis.cluster('SLOTS');
    const master = ranges.find(([from, to]) => slot >= from && slot <= to)?.[2];
    const pid = master ? servers.pids[`${master[0]}:${master[1]}`] : undefined;
    if (!pid) throw new Error('no process for the sale’s master');

    let acknowledged = 0;
    let killedAtMs = 0;
    let firstAfterKillMs = 0;
    let failed = 0;
    const deadline = Date.now() + 20_000;
    for (let n = 0; Date.now() < deadline; n += 1) {
      if (n === 200) {
        process.kill(pid, 'SIGKILL');
        killedAtMs = Date.now();
      }
      try {
        const result = await reservations.reserve({ saleId, tenantId: 't1', orderId: `o-${n}`, userId: `u-${n}`, quantity: 1, nowMs: Date.now() });
        if (!result.ok) throw new Error(`refused: ${result.code}`);
        acknowledged += 1;
        if (killedAtMs && !firstAfterKillMs) firstAfterKillMs = Date.now();
        if (firstAfterKillMs && acknowledged >= 250) break;
      } catch {
        failed += 1;
      }
    }
    t.ok(firstAfterKillMs > 0, 'reservations resumed after the master was killed');
    const view = await reservations.view(saleId);
    t.ok(view, 'the promoted replica has the sale');
    t.equal((view?.available ?? 0) + (view?.held ?? 0) + (view?.sold ?? 0), stock, 'available + held + sold is still the armed stock');
    const lost = acknowledged - (view?.held ?? 0);
    t.ok(lost >= 0, 'never more holds than reservations acknowledged');
    t.comment(
      `failover: first reservation ${firstAfterKillMs - killedAtMs} ms after SIGKILL of the master (${failed} calls failed meanwhile); ${lost} acknowledged holds lost with the unreplicated tail`,
    );
  },
);
