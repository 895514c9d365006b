// `npm run bench` (and `npm run soak`): figures only, it asserts nothing. docs/performance.md says
// what each figure means and holds the measured ones.
//
// Phase 1, the order service alone next to its baselines, interleaved round by round after a
// warm-up: fastify hello-world, the Redis-seckill baseline (accepting and sold out), the order
// service's accepted orders and sold-out refusals, the bare one-order-per-transaction MariaDB
// loop. Every HTTP target is driven by the same wrk and Lua request builder; ratios are medians
// of per-round ratios.
// The public sale read (sale-read.phase.ts): GET /v1/sales/:id on the inventory service alone
// next to hello-world, with the same wrk settings.
// The inventory consumer alone (consumer-drain.phase.ts): its drain rate with one event per MySQL
// transaction, chunks of events per transaction, and chunks through the batch handler.
// Phase 2, the whole system as deployed (order with its relay and consumer, inventory, payment,
// reconciler, provider simulator): accepted orders and sold-out refusals again, the event
// pipeline behind the accepted orders (lag while loaded, time to drain), then latency under an
// open model (vegeta, constant arrivals at 50 % and 80 % of the measured maximum).
// Memory: peak RSS (VmHWM) and V8 heap of every process. The closing line is one JSON object.
//
// Soak (`npm run soak`, SOAK_MINUTES, default 10): phase 2's system under mixed load (one accepted
// order to nine sold-out refusals), V8 heap after one minute and at the end.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { platformMigrationsDir } from '@flash-sale/events';
import { createTestDatabase, freePort, resolveServers } from '@flash-sale/testkit';
import { Redis } from 'ioredis';
import mysql from 'mysql2/promise';
import { vegeta, wrk, type OpenModelResult, type WrkResult, type WrkTarget } from './support/load-generators.ts';
import { repoRoot, scrapeMetrics, signShopperTokens, startProcess, waitUntilReady, type BenchProcess } from './support/processes.ts';
import { startWholeSystem, type WholeSystem } from './support/whole-system.ts';
import { measureConsumerDrain } from './consumer-drain.phase.ts';
import { measureSaleRead } from './sale-read.phase.ts';

const soak = process.argv.includes('--soak');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 100);
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const TOKENS = Number(process.env.BENCH_TOKENS ?? 2000);
const WARMUP_SECONDS = Math.min(2, SECONDS);
const LATENCY_SECONDS = Number(process.env.BENCH_LATENCY_SECONDS ?? 10);
const SOAK_MINUTES = Number(process.env.SOAK_MINUTES ?? 10);
const SOAK_CONNECTIONS = Number(process.env.SOAK_CONNECTIONS ?? 50);
const VEGETA_BIN = process.env.VEGETA_BIN ?? '';
// A few seconds per round cannot say anything about latency percentiles; the README's smoke run
// (BENCH_SECONDS=1) skips the open-model part rather than print noise as figures.
const quick = SECONDS < 3;

const runId = randomUUID().replaceAll('-', '').slice(0, 12);
const workDir = mkdtempSync(`${tmpdir()}/flash-sale-bench-`);
const jwtSecret = randomBytes(24).toString('hex');
const cleanups: Array<() => Promise<void> | void> = [];
const cleanup = (fn: () => Promise<void> | void) => void cleanups.push(fn);
const say = (line: string) => console.log(line);

async function runCleanups() {
  for (const fn of cleanups.reverse()) {
    try {
      await fn();
    } catch (error) {
      console.error('bench cleanup failed:', error);
    }
  }
  cleanups.length = 0;
}
process.once('SIGINT', () => void runCleanups().then(() => process.exit(130)));

const median = (values: number[]) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};
const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : (sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0);
};
const round = (value: number, digits = 0) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : null);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The run's own redis-server, configured as the local stack's (AOF, fsync every second). */
async function startPrivateRedis(): Promise<string> {
  const port = await freePort();
  const child = spawn(
    process.env.REDIS_SERVER_BIN ?? 'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      workDir,
      '--appendonly',
      'yes',
      '--appendfsync',
      'always',
      '--save',
      '',
      '--maxmemory-policy',
      'noeviction',
      '--loglevel',
      'warning',
    ],
    { stdio: 'ignore' },
  );
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanup(async () => {
    process.off('exit', killOnExit);
    child.kill('SIGTERM');
    await exited;
  });
  const url = `redis://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return url;
    } catch {
      probe.disconnect();
      if (Date.now() > deadline) throw new Error('the private redis-server did not answer');
      await sleep(100);
    }
  }
}

/** Statuses the order service answered, from its own request histogram (wrk counts only non-2xx). */
async function orderStatuses(url: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const [series, value] of await scrapeMetrics(url)) {
    if (!series.startsWith('http_request_duration_seconds_count{') || !series.includes('route="/v1/orders"') || !series.includes('method="POST"')) continue;
    const status = /status="(\d+)"/.exec(series)?.[1] ?? '?';
    counts.set(status, (counts.get(status) ?? 0) + value);
  }
  return counts;
}
const statusDelta = (before: Map<string, number>, after: Map<string, number>) =>
  Object.fromEntries([...after].map(([status, n]) => [status, n - (before.get(status) ?? 0)]).filter(([, n]) => Number(n) > 0));

/** One wrk run against the order service, with the answers it got; anything unexpected is said. */
async function orderRun(
  label: string,
  url: string,
  target: WrkTarget,
  expected: string,
  seconds: number,
): Promise<WrkResult & { statuses: Record<string, number> }> {
  const before = await orderStatuses(url);
  const result = await wrk(target, { seconds, connections: CONNECTIONS, threads: THREADS, tokensFile });
  const statuses = statusDelta(before, await orderStatuses(url));
  const unexpected = Object.entries(statuses).filter(([status]) => status !== expected);
  if (unexpected.length > 0 || result.socketErrors > 0) {
    say(`  note: ${label} answered ${JSON.stringify(statuses)} (expected only ${expected}), socket errors ${result.socketErrors}`);
  }
  return { ...result, statuses };
}

/** The bare durable-write baseline: one order and one outbox row per transaction, 4 round trips, 16 connections. */
async function mariadbLoop(url: string, seconds: number): Promise<number> {
  const pool = mysql.createPool({ uri: url, connectionLimit: 16 });
  const deadline = Date.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (Date.now() < deadline) {
        const conn = await pool.getConnection();
        const id = randomUUID();
        await conn.beginTransaction();
        await conn.query(
          "INSERT INTO orders (id, tenant_id, user_id, sale_id, sku_id, quantity, unit_price_minor, total_minor, currency, status, expires_at, created_at, updated_at) VALUES (?, 't1', 'u', 'loop', 'k', 1, 1000, 1000, 'EUR', 'PENDING', NOW(6), NOW(6), NOW(6))",
          [id],
        );
        await conn.query(
          "INSERT INTO outbox (event_id, event_type, topic, partition_key, tenant_id, envelope) VALUES (?, 'order.created.v1', 'order.order.created.v1', ?, 't1', '{}')",
          [randomUUID(), id],
        );
        await conn.commit();
        conn.release();
        done += 1;
      }
    }),
  );
  await pool.end();
  return done / seconds;
}

async function sampleAll(processes: BenchProcess[]) {
  await Promise.all(processes.map((running) => running.sample().catch(() => undefined)));
}

/** Polls the pipeline while `during` runs: outbox rows and age, consumer lag, every 250 ms. */
async function watchPipeline<T>(system: WholeSystem, during: Promise<T>) {
  const samples: Array<{ outboxRows: number; outboxAgeSeconds: number; consumerLag: number }> = [];
  let running = true;
  const watcher = (async () => {
    while (running) {
      samples.push(await system.pipeline());
      await sleep(250);
    }
  })();
  const result = await during;
  running = false;
  await watcher;
  return { result, samples };
}

/** Milliseconds until nothing waits in the outbox or in front of a consumer (after the load stopped). */
async function drainMs(system: WholeSystem, timeoutMs = 120_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const now = await system.pipeline();
    if (now.outboxRows === 0 && now.consumerLag === 0) return Date.now() - started;
    if (Date.now() - started > timeoutMs) return Number.NaN;
    await sleep(100);
  }
}

const servers = await resolveServers();
const redisUrl = await startPrivateRedis();
const tokens = signShopperTokens({ secret: jwtSecret, count: TOKENS, tenant: 't1', runId });
const tokensFile = `${workDir}/tokens.txt`;
writeFileSync(tokensFile, `${tokens.join('\n')}\n`);
say(
  `bench ${runId}: ${soak ? `soak of ${SOAK_MINUTES} min, wrk -t${THREADS} -c${SOAK_CONNECTIONS}` : `warm-up, then ${ROUNDS} rounds of ${SECONDS}s per target, wrk -t${THREADS} -c${CONNECTIONS}`}; ${TOKENS} shopper tokens; logs in ${workDir} (removed after a clean run unless BENCH_KEEP_LOGS=1)`,
);

const peaks = new Map<string, { rssMb: number; heapMb: number }>();
const recordPeaks = (processes: BenchProcess[], suffix = '') => {
  for (const running of processes) peaks.set(`${running.name}${suffix}`, { rssMb: running.peakRssMb, heapMb: running.peakHeapUsedMb });
};

let finished = false;
try {
  if (soak) await runSoak();
  else await runBench();
  finished = true;
} finally {
  await runCleanups();
  // A soak's logs run to tens of MB: kept only when something went wrong, or when asked for.
  if (finished && process.env.BENCH_KEEP_LOGS !== '1') rmSync(workDir, { recursive: true, force: true });
  else console.error(`bench logs kept in ${workDir}`);
}

async function runBench() {
  // ---- Phase 1: the order service alone, next to its baselines --------------------------------
  const orderDb = await createTestDatabase(cleanup, { prefix: 'bench_order', migrationsDirs: [platformMigrationsDir, `${repoRoot}services/order/migrations`] });
  const sales = { accepted: randomUUID(), soldOut: randomUUID() };
  const ports = { hello: await freePort(), seckill: await freePort(), order: await freePort() };
  const start = async (name: string, script: string, port: number, env: Record<string, string>) => {
    const { process: running } = await startProcess({ name, script, port, env, logDir: workDir });
    cleanup(() => running.stop());
    return running;
  };
  const hello = await start('hello-world', 'services/order/bench/baseline.server.ts', ports.hello, { BASELINE: 'hello' });
  const seckill = await start('redis-seckill', 'services/order/bench/baseline.server.ts', ports.seckill, {
    BASELINE: 'seckill',
    REDIS_URL: redisUrl,
    SECKILL_KEY_PREFIX: `seckill:${runId}:`,
    SECKILL_SALES: JSON.stringify({ [sales.accepted]: 1_000_000_000, [sales.soldOut]: 0 }),
  });
  const orderAlone = await start('order-alone', 'services/order/bench/order-alone.server.ts', ports.order, {
    MYSQL_URL: orderDb.url,
    REDIS_URL: redisUrl,
    KAFKA_BROKERS: servers.kafkaBrokers.join(','),
    JWT_SECRET: jwtSecret,
    BENCH_SALES: JSON.stringify({ [sales.accepted]: 100_000_000, [sales.soldOut]: 0 }),
  });
  const alone = [hello, seckill, orderAlone];
  for (const running of alone) await waitUntilReady(running, '/health/ready');

  const post = (url: string, saleId: string): WrkTarget => ({ url, method: 'POST', path: '/v1/orders', sales: [`${saleId}:1`] });
  const targets = {
    hello: { url: hello.url, method: 'GET', path: '/' } as WrkTarget,
    seckillAccepted: post(seckill.url, sales.accepted),
    seckillSoldOut: post(seckill.url, sales.soldOut),
    accepted: post(orderAlone.url, sales.accepted),
    soldOut: post(orderAlone.url, sales.soldOut),
  };
  const load = (target: WrkTarget, seconds: number) => wrk(target, { seconds, connections: CONNECTIONS, threads: THREADS, tokensFile });

  say(`phase 1: the order service alone and its baselines (warm-up ${WARMUP_SECONDS}s each)`);
  for (const target of Object.values(targets)) await load(target, WARMUP_SECONDS);
  const rounds: Array<Record<'hello' | 'seckillAccepted' | 'seckillSoldOut' | 'accepted' | 'soldOut' | 'mariadb', number>> = [];
  let acceptedP99 = Number.NaN;
  let soldOutP99 = Number.NaN;
  for (let n = 1; n <= ROUNDS; n += 1) {
    const helloRun = await load(targets.hello, SECONDS);
    const seckillAccepted = await load(targets.seckillAccepted, SECONDS);
    const seckillSoldOut = await load(targets.seckillSoldOut, SECONDS);
    const accepted = await orderRun('accepted orders', orderAlone.url, targets.accepted, '201', SECONDS);
    const soldOut = await orderRun('sold-out refusals', orderAlone.url, targets.soldOut, '409', SECONDS);
    const mariadb = await mariadbLoop(orderDb.url, SECONDS);
    await sampleAll(alone);
    acceptedP99 = accepted.p99Ms;
    soldOutP99 = soldOut.p99Ms;
    const row = {
      hello: helloRun.perSecond,
      seckillAccepted: seckillAccepted.perSecond,
      seckillSoldOut: seckillSoldOut.perSecond,
      accepted: (accepted.statuses['201'] ?? 0) / SECONDS,
      soldOut: (soldOut.statuses['409'] ?? 0) / SECONDS,
      mariadb,
    };
    rounds.push(row);
    say(
      `  round ${n}: hello ${row.hello.toFixed(0)}/s | redis seckill accepting ${row.seckillAccepted.toFixed(0)}/s, sold out ${row.seckillSoldOut.toFixed(0)}/s | ` +
        `order accepted ${row.accepted.toFixed(0)}/s (p99 ${accepted.p99Ms.toFixed(1)} ms), sold-out ${row.soldOut.toFixed(0)}/s (p99 ${soldOut.p99Ms.toFixed(1)} ms) | ` +
        `bare MariaDB loop ${row.mariadb.toFixed(0)} orders/s`,
    );
  }
  // Every 201 is a durable order. A few more rows than answers are orders committed for requests
  // in flight when wrk stopped (it hangs up without reading them): at most one per connection per run.
  const [[written]] = (await orderDb.pool.query("SELECT COUNT(*) AS n FROM orders WHERE sale_id <> 'loop'")) as unknown as [[{ n: number }]];
  const answered = (await orderStatuses(orderAlone.url)).get('201') ?? 0;
  const unanswered = Number(written.n) - answered;
  const consistent = unanswered >= 0 && unanswered <= CONNECTIONS * (ROUNDS + 1);
  say(
    `  check: ${answered} accepted answers, ${Number(written.n)} order rows written${consistent ? '' : ' (NOT CONSISTENT: a 201 without its row, or rows nobody asked for)'}`,
  );
  recordPeaks(alone);
  for (const running of alone) await running.stop();

  const ratio = (f: (r: (typeof rounds)[number]) => number) => round(median(rounds.map(f)), 3);
  const phase1 = {
    hello_world_per_s: round(median(rounds.map((r) => r.hello))),
    redis_seckill_per_s: round(median(rounds.map((r) => r.seckillAccepted))),
    redis_seckill_sold_out_per_s: round(median(rounds.map((r) => r.seckillSoldOut))),
    mariadb_one_order_per_tx_per_s: round(median(rounds.map((r) => r.mariadb))),
    sold_out_refusals_per_s: round(median(rounds.map((r) => r.soldOut))),
    accepted_orders_per_s: round(median(rounds.map((r) => r.accepted))),
    sold_out_vs_hello: ratio((r) => r.soldOut / r.hello),
    sold_out_vs_redis_seckill: ratio((r) => r.soldOut / r.seckillSoldOut),
    accepted_vs_hello: ratio((r) => r.accepted / r.hello),
    accepted_vs_mariadb_loop: ratio((r) => r.accepted / r.mariadb),
    accepted_vs_redis_seckill: ratio((r) => r.accepted / r.seckillAccepted),
    redis_seckill_vs_hello: ratio((r) => r.seckillAccepted / r.hello),
    accepted_p99_ms_closed_model: round(acceptedP99, 1),
    sold_out_p99_ms_closed_model: round(soldOutP99, 1),
  };

  const saleRead = await measureSaleRead({
    servers,
    redisUrl,
    jwtSecret,
    runId,
    logDir: workDir,
    rounds: ROUNDS,
    seconds: SECONDS,
    warmupSeconds: WARMUP_SECONDS,
    connections: CONNECTIONS,
    threads: THREADS,
    cleanup,
    say,
  });
  recordPeaks(saleRead.processes);

  say('the inventory consumer alone: one event per transaction, chunks, and batches (consumer-drain.phase.ts)');
  const consumerDrain = await measureConsumerDrain({ rounds: ROUNDS, say });

  // ---- Phase 2: the whole system -------------------------------------------------------------
  say('phase 2: the whole system (order with relay and consumer, inventory, payment, reconciler, provider simulator)');
  const system = await startWholeSystem({ servers, redisUrl, jwtSecret, runId, logDir: workDir, shopperToken: tokens[0] ?? '', cleanup });
  const fullTargets = { accepted: post(system.orderUrl, system.acceptedSaleId), soldOut: post(system.orderUrl, system.soldOutSaleId) };
  await load(fullTargets.accepted, WARMUP_SECONDS);
  await load(fullTargets.soldOut, WARMUP_SECONDS);
  await drainMs(system);
  const full: Array<{ accepted: number; soldOut: number; events: number; drainEvents: number; drainMs: number; acceptedP99: number; soldOutP99: number }> = [];
  const lagSamples: Array<{ outboxRows: number; outboxAgeSeconds: number; consumerLag: number }> = [];
  for (let n = 1; n <= ROUNDS; n += 1) {
    const handledBefore = await system.inventoryHandled();
    const watched = await watchPipeline(system, orderRun('whole-system accepted orders', system.orderUrl, fullTargets.accepted, '201', SECONDS));
    const handledAtStop = await system.inventoryHandled();
    lagSamples.push(...watched.samples);
    const drained = await drainMs(system);
    // After the load stops the pipeline has the cores to itself: its own speed, not starved.
    const handledWhileDraining = (await system.inventoryHandled()) - handledAtStop;
    const soldOut = await orderRun('whole-system sold-out refusals', system.orderUrl, fullTargets.soldOut, '409', SECONDS);
    await sampleAll(system.processes);
    const row = {
      accepted: (watched.result.statuses['201'] ?? 0) / SECONDS,
      soldOut: (soldOut.statuses['409'] ?? 0) / SECONDS,
      events: (handledAtStop - handledBefore) / SECONDS,
      drainEvents: drained > 0 ? handledWhileDraining / (drained / 1000) : Number.NaN,
      drainMs: drained,
      acceptedP99: watched.result.p99Ms,
      soldOutP99: soldOut.p99Ms,
    };
    full.push(row);
    const worst = watched.samples.reduce((w, s) => ({ rows: Math.max(w.rows, s.outboxRows), lag: Math.max(w.lag, s.consumerLag) }), { rows: 0, lag: 0 });
    say(
      `  round ${n}: accepted ${row.accepted.toFixed(0)}/s (p99 ${row.acceptedP99.toFixed(1)} ms), sold-out ${row.soldOut.toFixed(0)}/s (p99 ${row.soldOutP99.toFixed(1)} ms) | ` +
        `inventory handled ${row.events.toFixed(0)} order.created/s during the run, outbox up to ${worst.rows} rows, consumer lag up to ${worst.lag}; ` +
        `drained ${(drained / 1000).toFixed(1)} s after (${row.drainEvents.toFixed(0)} events/s)`,
    );
  }

  let latency: Record<string, OpenModelResult | string> = {};
  const fullAccepted = median(full.map((r) => r.accepted));
  const fullSoldOut = median(full.map((r) => r.soldOut));
  if (quick) {
    latency = { skipped: `BENCH_SECONDS=${SECONDS} is a smoke run: open-model latency needs BENCH_SECONDS >= 3` };
    say(`open-model latency: skipped (${latency.skipped as string})`);
  } else if (!VEGETA_BIN) {
    latency = { skipped: 'vegeta is not installed (scripts/bench.sh installs it)' };
    say('open-model latency: skipped, vegeta is not installed');
  } else {
    say(`open-model latency (vegeta, constant arrivals for ${LATENCY_SECONDS}s, fresh token and key per request)`);
    for (const [name, saleId, max] of [
      ['accepted', system.acceptedSaleId, fullAccepted],
      ['sold_out', system.soldOutSaleId, fullSoldOut],
    ] as const) {
      for (const share of [50, 80]) {
        const result = await vegeta({
          bin: VEGETA_BIN,
          url: system.orderUrl,
          saleId,
          perSecond: (max * share) / 100,
          seconds: LATENCY_SECONDS,
          tokens,
          workDir,
        });
        latency[`${name}_at_${share}pct`] = result;
        say(
          `  ${name} at ${share} % of ${max.toFixed(0)}/s: sent ${result.sentPerSecond.toFixed(0)}/s of ${result.targetPerSecond}/s, p50 ${result.p50Ms.toFixed(1)} ms, p99 ${result.p99Ms.toFixed(1)} ms, ` +
            `answers ${JSON.stringify(result.statuses)}${result.errors.length > 0 ? `, errors ${JSON.stringify(result.errors)}` : ''}`,
        );
        await drainMs(system);
        await sampleAll(system.processes);
      }
    }
  }
  recordPeaks(system.processes);

  const lagOf = (pick: (s: (typeof lagSamples)[number]) => number) => percentile(lagSamples.map(pick), 99);
  const summary = {
    ...phase1,
    ...saleRead.figures,
    ...consumerDrain,
    full_system_sold_out_per_s: round(fullSoldOut),
    full_system_accepted_per_s: round(fullAccepted),
    // Across the two phases (not per round): the system's processes are not running in phase 1.
    full_system_accepted_vs_alone: round(fullAccepted / (phase1.accepted_orders_per_s ?? Number.NaN), 3),
    full_system_sold_out_vs_alone: round(fullSoldOut / (phase1.sold_out_refusals_per_s ?? Number.NaN), 3),
    full_system_accepted_vs_mariadb_loop: round(fullAccepted / (phase1.mariadb_one_order_per_tx_per_s ?? Number.NaN), 3),
    pipeline_events_per_s: round(median(full.map((r) => r.events))),
    pipeline_events_per_s_draining: round(median(full.map((r) => r.drainEvents))),
    outbox_lag_rows_p99: lagOf((s) => s.outboxRows),
    outbox_lag_seconds_p99: round(
      lagOf((s) => s.outboxAgeSeconds),
      2,
    ),
    consumer_lag_p99: lagOf((s) => s.consumerLag),
    drain_seconds_max: round(Math.max(...full.map((r) => r.drainMs)) / 1000, 1),
    latency_ms: Object.fromEntries(
      Object.entries(latency).map(([key, value]) => [
        key,
        typeof value === 'string'
          ? value
          : { rate_per_s: value.targetPerSecond, sent_per_s: round(value.sentPerSecond), p50: round(value.p50Ms, 1), p99: round(value.p99Ms, 1) },
      ]),
    ),
    rss_mb_max: Object.fromEntries([...peaks].map(([name, peak]) => [name, round(peak.rssMb)])),
    heap_used_mb_max: Object.fromEntries([...peaks].map(([name, peak]) => [name, round(peak.heapMb)])),
    settings: {
      rounds: ROUNDS,
      seconds: SECONDS,
      connections: CONNECTIONS,
      threads: THREADS,
      tokens: TOKENS,
      generator: 'wrk (Lua request builder); vegeta for open-model latency',
    },
  };
  console.log(JSON.stringify(summary));
}

async function runSoak() {
  say(`soak: the whole system under mixed load (1 accepted order : 9 sold-out refusals), wrk -c${SOAK_CONNECTIONS}, ${SOAK_MINUTES} min`);
  const system = await startWholeSystem({ servers, redisUrl, jwtSecret, runId, logDir: workDir, shopperToken: tokens[0] ?? '', cleanup });
  const seconds = Math.max(1, Math.round(SOAK_MINUTES * 60));
  const started = Date.now();
  const samples: Array<{ at: number; name: string; heapMb: number | undefined; rssMb: number }> = [];
  let running = true;
  const sampler = (async () => {
    while (running) {
      for (const service of system.processes) {
        const sample = await service.sample().catch(() => undefined);
        if (sample) samples.push({ at: (Date.now() - started) / 1000, name: service.name, heapMb: sample.heapUsedMb, rssMb: sample.rssMb });
      }
      await sleep(5000);
    }
  })();
  const mixed: WrkTarget = { url: system.orderUrl, method: 'POST', path: '/v1/orders', sales: [`${system.acceptedSaleId}:1`, `${system.soldOutSaleId}:9`] };
  const before = await orderStatuses(system.orderUrl);
  const result = await wrk(mixed, { seconds, connections: SOAK_CONNECTIONS, threads: THREADS, tokensFile });
  const statuses = statusDelta(before, await orderStatuses(system.orderUrl));
  running = false;
  await sampler;
  const drained = await drainMs(system);
  // Once the backlog is worked off (or drainMs gave up): what each process keeps when idle again.
  const idle = new Map<string, number | undefined>();
  for (const service of system.processes) idle.set(service.name, (await service.sample().catch(() => undefined))?.heapUsedMb);
  recordPeaks(system.processes);

  // Heap used swings with each collection: the median over a window says more than one reading.
  const windowMedian = (name: string, from: number, to: number) =>
    median(samples.filter((s) => s.name === name && s.at >= from && s.at <= to && s.heapMb !== undefined).map((s) => s.heapMb ?? 0));
  const heap: Record<string, { after_1_min_mb: number | null; at_end_mb: number | null; growth_pct: number | null; idle_after_drain_mb: number | null }> = {};
  for (const service of system.processes) {
    const early = windowMedian(service.name, 45, 75);
    const late = windowMedian(service.name, seconds - 30, seconds + 5);
    const idleMb = idle.get(service.name) ?? Number.NaN;
    heap[service.name] = {
      after_1_min_mb: round(early, 1),
      at_end_mb: round(late, 1),
      growth_pct: round(((late - early) / early) * 100, 1),
      idle_after_drain_mb: round(idleMb, 1),
    };
    say(
      `  ${service.name}: heap used ${early.toFixed(1)} MB after 1 min, ${late.toFixed(1)} MB at the end, ${idleMb.toFixed(1)} MB ${Number.isFinite(drained) ? 'idle after the drain' : 'when the drain wait gave up'}; peak RSS ${service.peakRssMb.toFixed(0)} MB`,
    );
  }
  say(
    `  ${result.perSecond.toFixed(0)} answers/s ${JSON.stringify(statuses)}; ${Number.isFinite(drained) ? `pipeline drained ${(drained / 1000).toFixed(1)} s after` : 'pipeline still not drained 120 s after'}`,
  );
  if (seconds < 90) say('  note: a soak shorter than 90 s has no one-minute window apart from its end; use SOAK_MINUTES >= 2');
  console.log(
    JSON.stringify({
      soak_minutes: SOAK_MINUTES,
      answers_per_s: round(result.perSecond),
      statuses,
      heap_used_mb: heap,
      rss_mb_max: Object.fromEntries([...peaks].map(([name, peak]) => [name, round(peak.rssMb)])),
      drain_seconds: round(drained / 1000, 1),
    }),
  );
}
