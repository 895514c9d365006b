// Redis lost a sale mid-flight: large rebuilds, the recovery worker and detector, the stock check's
// fenced rebuild of a live sale, and BullMQ schedulers that come back after their keys are wiped.
import { randomUUID } from 'node:crypto';
import { SALE_REBUILD_QUEUE } from '@flash-sale/stock-reservations';
import { bullmqPrefix } from '@flash-sale/service-kit';
import { deleteMatchingKeys, waitFor } from '@flash-sale/testkit';
import { Queue } from 'bullmq';
import type { RowDataPacket } from 'mysql2/promise';
import t from 'tap';
import { runJob } from '../src/application/run-job.ts';
import type { ReconciliationJob } from '../src/application/jobs/job.ts';
import { redisRebuildJob } from '../src/application/jobs/redis-rebuild.job.ts';
import { stockDriftJob } from '../src/application/jobs/stock-drift.job.ts';
import { RECONCILIATION_QUEUE, startReconciliationScheduler } from '../src/workers/reconciliation.scheduler.ts';
import { rebuildJobOptions, startSaleRecovery } from '../src/workers/sale-recovery.worker.ts';
import { createFixture, type Fixture, type SeededSale } from './support/reconciler-fixture.ts';

async function flushSale(f: Fixture, sale: SeededSale): Promise<void> {
  await f.redis.del(...Object.values(f.reservations.keys(sale.saleId)));
}

/**
 * `count` orders written straight into the books in one statement (MariaDB's sequence engine), as
 * the order service leaves them: every 4th paid, the rest PENDING; user ids repeat every 50,000.
 */
async function seedBooks(f: Fixture, sale: SeededSale, count: number): Promise<void> {
  const expires = new Date(f.clock.now.getTime() + 600_000);
  await f.order.pool.query(
    `INSERT INTO orders (id, tenant_id, user_id, sale_id, sku_id, quantity, unit_price_minor, total_minor, currency, status, expires_at, created_at, updated_at)
     SELECT CONCAT('bulk-', LPAD(seq, 7, '0')), ?, CONCAT('bulk-user-', seq MOD 50000), ?, ?, 1, 1000, 1000, 'EUR',
            IF(seq MOD 4 = 0, 'PAID', 'PENDING'), ?, ?, ?
       FROM seq_1_to_${count}`,
    [sale.tenantId, sale.saleId, sale.skuId, expires, f.clock.now, f.clock.now],
  );
}

t.test('a rebuild of a sale with 100,000 orders in MySQL completes without crashing, with exact counters', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const sale = await f.seedSale({ stock: 120_000, perUserLimit: 4 });
  await seedBooks(f, sale, 100_000);
  await flushSale(f, sale);

  // Live heap, sampled after collections (the package's tap config exposes gc).
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let heapPeak = heapBefore;
  const sampler = setInterval(() => {
    collect?.();
    heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
  }, 500);
  const started = performance.now();
  const run = await runJob(f.deps, redisRebuildJob, 'test');
  clearInterval(sampler);
  t.comment(
    `rebuilt 100,000 orders from MySQL in ${Math.round(performance.now() - started)} ms; ${collect ? 'live' : 'uncollected'} heap peak +${((heapPeak - heapBefore) / 1048576).toFixed(1)} MiB`,
  );
  if (collect) t.ok(heapPeak - heapBefore < 64 * 1048576, 'memory stays bounded by a page of the books, not the sale');
  t.match(run, { outcome: 'completed', repaired: 1, failed: 0 });
  t.same(await f.reservations.view(sale.saleId), { armedStock: 120_000, available: 20_000, held: 75_000, sold: 25_000 });
  t.equal(await f.redis.hget(f.reservations.keys(sale.saleId).users, 'bulk-user-7'), '2', 'per-user limits count every order of the user');
});

t.test('a hold taken while the stock check rebuilds a drifted live sale is refused or kept, never lost', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const sale = await f.seedSale({ stock: 30_000, perUserLimit: 1 });
  await seedBooks(f, sale, 20_000);
  // Redis and MySQL must agree before the drift; the rebuild brings the books in.
  await flushSale(f, sale);
  await runJob(f.deps, redisRebuildJob, 'test');
  await f.redis.hincrby(f.reservations.keys(sale.saleId).stock, 'available', 7);

  const accepted: string[] = [];
  const refusals = new Set<string>();
  let checking = true;
  const buyers = Array.from({ length: 6 }, async () => {
    while (checking) {
      const orderId = randomUUID();
      const result = await f.reservations.reserve({
        saleId: sale.saleId,
        tenantId: sale.tenantId,
        orderId,
        userId: `live-${orderId}`,
        quantity: 1,
        nowMs: f.clock.now.getTime(),
      });
      if (result.ok) accepted.push(orderId);
      else refusals.add(result.code);
    }
  });
  const run = await runJob(f.deps, stockDriftJob, 'test');
  checking = false;
  await Promise.all(buyers);

  t.match(run.anomalies, { redis_counter_drift: 1 });
  t.equal(run.repaired, 1);
  t.same([...refusals], refusals.size ? ['SALE_NOT_FOUND'] : [], 'refused only while fenced off');
  t.ok(accepted.length > 0, `${accepted.length} holds taken around the rebuild`);
  const k = f.reservations.keys(sale.saleId);
  const missing = [];
  for (const orderId of accepted) if (!(await f.redis.hexists(k.orders, orderId))) missing.push(orderId);
  t.same(missing, [], 'every accepted hold is still in Redis');
  t.same(await f.reservations.view(sale.saleId), { armedStock: 30_000, available: 10_000 - accepted.length, held: 15_000 + accepted.length, sold: 5_000 });
});

t.test('a sale whose keys are gone is rebuilt by the recovery worker within seconds, once, however many ask at the same moment', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const connection = f.redisConnection({ maxRetriesPerRequest: null, enableAutoPipelining: false });
  const prefix = bullmqPrefix(SALE_REBUILD_QUEUE, f.prefix);
  const sale = await f.seedSale({ stock: 10 });
  const held = await f.placeOrder(sale, { quantity: 2 });
  const recovery = await startSaleRecovery({ connection, deps: f.deps, detectEveryMs: 60_000, prefix });
  const asker = new Queue(SALE_REBUILD_QUEUE, { connection, prefix });
  t.teardown(async () => {
    await recovery.close();
    await asker.obliterate({ force: true });
    await asker.close();
  });

  await flushSale(f, sale);
  const started = Date.now();
  await Promise.all([
    ...Array.from({ length: 20 }, () =>
      asker.add('rebuild', { sale_id: sale.saleId, tenant_id: sale.tenantId, requested_by: 'test' }, rebuildJobOptions(sale.saleId)),
    ),
    recovery.detect(),
  ]);
  await waitFor(async () => (await f.reservations.view(sale.saleId)) !== null, { timeoutMs: 10_000, intervalMs: 50, what: 'the sale to be rebuilt' });
  t.ok(Date.now() - started < 10_000, `rebuilt in ${Date.now() - started} ms`);
  t.match(await f.reservations.view(sale.saleId), { available: 8, held: 2 });
  t.same(await f.reservations.expiredHolds(sale.saleId, Number.MAX_SAFE_INTEGER), [held]);
  await waitFor(async () => (await recovery.queue.getJobCounts('active', 'waiting', 'delayed')).active === 0, { timeoutMs: 5000, what: 'the queue to drain' });
  const runs = await f.runs('redis-rebuild');
  t.equal(runs.filter((run) => Number(run.repaired) === 1).length, 1, 'one rebuild, with its evidence');
  t.equal(await recovery.detect(), 0, 'nothing lost any more');

  // An unknown sale or one whose keys exist: asked for, nothing done.
  await asker.add('rebuild', { sale_id: randomUUID(), tenant_id: 't1', requested_by: 'test' }, rebuildJobOptions(randomUUID()));
  await waitFor(
    async () => {
      const counts = await recovery.queue.getJobCounts('active', 'waiting');
      return (counts.active ?? 0) + (counts.waiting ?? 0) === 0;
    },
    { timeoutMs: 5000, what: 'the ask to be handled' },
  );
  t.equal((await f.runs('redis-rebuild')).length, runs.length, 'no run for a sale that needs none');
});

t.test('reconciliation schedulers wiped from Redis are re-created within seconds and their job runs again', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const connection = f.redisConnection({ maxRetriesPerRequest: null, enableAutoPipelining: false });
  const prefix = bullmqPrefix(RECONCILIATION_QUEUE, f.prefix);
  let runs = 0;
  const probe: ReconciliationJob = {
    name: 'probe',
    description: 'counts its runs',
    everyMs: 300,
    run: async () => {
      runs += 1;
      return { checked: 0, anomalies: {}, repaired: 0, failed: 0, sampleIds: [] };
    },
  };
  const scheduler = await startReconciliationScheduler({ connection, deps: f.deps, jobs: [probe], prefix, ensureEveryMs: 200 });
  t.teardown(async () => {
    await scheduler.close();
    await scheduler.queue.obliterate({ force: true }).catch(() => undefined);
  });
  await waitFor(() => runs > 0, { timeoutMs: 10_000, what: 'a first run' });

  // What FLUSHALL does to this queue, on the test's own prefix only.
  await deleteMatchingKeys(f.redis, `${prefix}:*`);
  t.equal(await scheduler.queue.getJobScheduler('probe'), undefined, 'the scheduler is gone');
  const before = runs;
  await waitFor(async () => (await scheduler.queue.getJobScheduler('probe')) !== undefined, {
    timeoutMs: 5000,
    intervalMs: 50,
    what: 'the scheduler to come back',
  });
  await waitFor(() => runs > before, { timeoutMs: 10_000, what: 'a run after the wipe' });
  t.pass(`ran again after the wipe (${runs - before} runs)`);
  const [rows] = await f.reconciler.pool.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM reconciliation_runs WHERE job = 'probe'");
  t.ok(Number(rows[0]?.n) >= runs, 'every run left its evidence');
});

t.test('two reconciler replicas share the schedules one run at a time, and one goes on alone when the other stops', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const prefix = bullmqPrefix(RECONCILIATION_QUEUE, f.prefix);
  let running = 0;
  let mostAtOnce = 0;
  const runsBy = { a: 0, b: 0 };
  // Each replica builds its jobs (same names) around its own counter; every run takes a while.
  const jobsOf = (replica: 'a' | 'b'): ReconciliationJob[] =>
    ['slow-one', 'slow-two'].map((name) => ({
      name,
      description: 'a run that takes 150 ms',
      everyMs: 200,
      run: async () => {
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        runsBy[replica] += 1;
        await new Promise((resolve) => setTimeout(resolve, 150));
        running -= 1;
        return { checked: 0, anomalies: {}, repaired: 0, failed: 0, sampleIds: [] };
      },
    }));
  const start = (replica: 'a' | 'b') =>
    startReconciliationScheduler({
      connection: f.redisConnection({ maxRetriesPerRequest: null, enableAutoPipelining: false }),
      deps: f.deps,
      jobs: jobsOf(replica),
      prefix,
    });
  const a = await start('a');
  const b = await start('b');
  t.teardown(async () => {
    await b.close();
    await b.queue.obliterate({ force: true }).catch(() => undefined);
  });
  await waitFor(() => runsBy.a + runsBy.b >= 12, { timeoutMs: 20_000, what: 'a dozen runs over both replicas' });
  t.equal(mostAtOnce, 1, `never two runs at once (${runsBy.a} on one replica, ${runsBy.b} on the other)`);

  await a.close();
  const before = runsBy.b;
  await waitFor(() => runsBy.b >= before + 4, { timeoutMs: 20_000, what: 'runs on the replica left' });
  t.equal(mostAtOnce, 1, 'still one at a time');
});
