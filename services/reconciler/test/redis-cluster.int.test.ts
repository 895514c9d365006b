// The reconciler's Redis on a real Redis Cluster: a lost sale is found among sales on every master,
// rebuilt by the recovery worker over the hash-tagged BullMQ queue, and bull-board lists that queue.
import { bullmqPrefix, createRedis, signToken } from '@flash-sale/service-kit';
import { SALE_REBUILD_QUEUE, StockReservations } from '@flash-sale/stock-reservations';
import { createTestRedisCluster, waitFor } from '@flash-sale/testkit';
import type { TopicAdmin } from '@flash-sale/events';
import t from 'tap';
import { buildApp } from '../src/app.ts';
import type { JobDeps } from '../src/application/jobs/job.ts';
import { startSaleRecovery } from '../src/workers/sale-recovery.worker.ts';
import { createFixture } from './support/reconciler-fixture.ts';

t.test(
  'on a Redis Cluster, a live sale whose keys are gone is rebuilt from the books through the hash-tagged queue, and bull-board lists the queue',
  async (t) => {
    const f = await createFixture(t.teardown.bind(t));
    const cluster = await createTestRedisCluster(t.teardown.bind(t));
    const redis = createRedis(cluster.target);
    t.teardown(() => redis.disconnect());
    const reservations = new StockReservations(redis, { keyPrefix: cluster.prefix, nowMs: () => f.clock.now.getTime() });
    const deps: JobDeps = { ...f.deps, redis, reservations };

    // The books of several sales (the fixture arms them on its own Redis); on the cluster all but one are armed.
    const sales = [];
    for (let i = 0; i < 6; i += 1) sales.push(await f.seedSale({ stock: 10 }));
    const [lost, ...live] = sales;
    if (!lost) throw new Error('no sale seeded');
    await f.placeOrder(lost, { quantity: 2 });
    for (const sale of live) {
      await reservations.arm({
        saleId: sale.saleId,
        tenantId: sale.tenantId,
        skuId: sale.skuId,
        stock: sale.stock,
        unitPriceMinor: 1000,
        currency: 'EUR',
        startsAtMs: f.clock.now.getTime() - 60_000,
        endsAtMs: f.clock.now.getTime() + 3600_000,
        perUserLimit: 5,
        holdTtlMs: sale.holdTtlMs,
      });
    }

    const connection = createRedis(cluster.target, { maxRetriesPerRequest: null, enableAutoPipelining: false });
    const recovery = await startSaleRecovery({ connection, deps, detectEveryMs: 60_000, prefix: bullmqPrefix(SALE_REBUILD_QUEUE, cluster.prefix) });
    t.teardown(async () => {
      await recovery.close();
      await connection.quit();
    });
    t.equal(await recovery.detect(), 1, 'one lost sale asked for, among sales on every master');
    await waitFor(async () => (await reservations.view(lost.saleId)) !== null, {
      timeoutMs: 15_000,
      intervalMs: 50,
      what: 'the lost sale rebuilt on the cluster',
    });
    t.match(await reservations.view(lost.saleId), { armedStock: 10, available: 8, held: 2 }, 'its order’s hold is back from the books');

    const app = await buildApp({ jobs: deps, kafkaAdmin: {} as TopicAdmin, jwtSecret: 'test-secret-at-least-16-chars', queues: [recovery.queue] });
    t.teardown(() => app.close());
    const platformOps = { authorization: `Bearer ${signToken(app, { userId: 'platform-1', tenantId: 't1', roles: ['platform-ops'] })}` };
    const board = await app.inject({ method: 'GET', url: '/ops/queues/api/queues', headers: platformOps });
    t.equal(board.statusCode, 200);
    t.ok(JSON.stringify(board.json()).includes(SALE_REBUILD_QUEUE), 'bull-board reads the queue on the cluster');
  },
);
