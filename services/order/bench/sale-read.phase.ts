// The public sale read of `npm run bench`: `GET /v1/sales/:id` on the inventory service alone (its
// `main.ts` as deployed, on a database, topics and consumer groups of the run's own and the run's
// private Redis) next to fastify's hello-world, interleaved round by round after a warm-up. Both
// are driven by the same wrk, with the same threads, connections and duration as every other
// target and the same request (a GET carrying `X-Tenant-Id`; hello-world ignores it), built by wrk
// itself rather than the Lua request builder, whose per-request token and key neither route reads.
// Every request is a full 200 with its body (no If-None-Match): the worst case a page refresh costs.
// The address budget is raised for the run: wrk is one address, and 429s would measure the limiter.
//
// Run on its own (a private redis-server and the run's own database and topics, as `npm run bench`)
// with the stack up, `infra/local/env.sh` sourced, `.tools/bin` on PATH and wrk on PATH or in
// WRK_BIN (`npm run bench` installs it):
//   node services/order/bench/sale-read.phase.ts
// The processes it starts get PATH, NODE_OPTIONS, the tests' Kafka principal and what it names
// below (startNodeProcess in packages/testkit), not the rest of the caller's environment: a setting
// meant for the inventory process goes in its `env` here.
import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { allTopics, createKafkaTransport, ensureTopics, platformMigrationsDir } from '@flash-sale/events';
import { createTestDatabase, freePort, resolveServers, type Servers } from '@flash-sale/testkit';
import { openSale } from '@flash-sale/testkit/open-sale';
import { Redis } from 'ioredis';
import { parseWrk, type WrkResult } from './support/load-generators.ts';
import { repoRoot, scrapeMetrics, signOpsToken, startProcess, sumSeries, waitUntilReady, type BenchProcess } from './support/processes.ts';

const run = promisify(execFile);
type Cleanup = () => Promise<void> | void;

export interface SaleReadOptions {
  servers: Servers;
  redisUrl: string;
  jwtSecret: string;
  runId: string;
  logDir: string;
  rounds: number;
  seconds: number;
  warmupSeconds: number;
  connections: number;
  threads: number;
  cleanup: (fn: Cleanup) => void;
  say: (line: string) => void;
}

export interface SaleReadFigures {
  sale_read_per_s: number | null;
  sale_read_vs_hello: number | null;
  /** hello-world driven exactly as the sale read was, in the same rounds. */
  sale_read_hello_world_per_s: number | null;
  sale_read_p99_ms_closed_model: number | null;
  /**
   * CPU time per answer (the process's own user + system time over the requests wrk counted): on a
   * machine shared with other work, throughput says how much CPU a process got, this what it needed.
   */
  sale_read_cpu_us_per_request: number | null;
  sale_read_hello_world_cpu_us_per_request: number | null;
  /** hello-world's CPU per answer over the sale read's: the throughput ratio on an otherwise idle machine. */
  sale_read_cpu_vs_hello: number | null;
  /** The inventory process's CPU with no request (per cent of a core), included in its CPU per answer. */
  sale_read_inventory_idle_cpu_pct: number | null;
}

const TENANT = 't1';

async function wrkGet(url: string, options: { seconds: number; connections: number; threads: number }): Promise<WrkResult> {
  const threads = Math.max(1, Math.min(options.threads, options.connections));
  const args = [`-t${threads}`, `-c${options.connections}`, `-d${options.seconds}s`, '--timeout', '10s', '--latency', '-H', `X-Tenant-Id: ${TENANT}`, url];
  const { stdout } = await run(process.env.WRK_BIN ?? 'wrk', args, { maxBuffer: 1024 * 1024 });
  const result = parseWrk(stdout);
  if (!Number.isFinite(result.perSecond)) throw new Error(`could not read wrk's output:\n${stdout}`);
  return result;
}

const median = (values: number[]) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? Number.NaN) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
};
/** The process's CPU seconds so far, from its own /metrics (prom-client's default metrics). */
const cpuSeconds = async (running: BenchProcess) => sumSeries(await scrapeMetrics(running.url), 'process_cpu_seconds_total');

/** One wrk run, with the CPU the target spent on it per answer. */
async function measured(target: BenchProcess, url: string, load: (url: string) => Promise<WrkResult>) {
  const before = await cpuSeconds(target);
  const result = await load(url);
  const cpuUsPerRequest = (((await cpuSeconds(target)) - before) * 1e6) / Math.max(1, result.requests);
  return { ...result, cpuUsPerRequest };
}

const round = (value: number, digits = 0) => (Number.isFinite(value) ? Number(value.toFixed(digits)) : null);

/** The figures, and the two processes (stopped) with their peak memory for the closing line. */
export async function measureSaleRead(options: SaleReadOptions): Promise<{ figures: SaleReadFigures; processes: BenchProcess[] }> {
  const { servers, runId, say } = options;
  const database = await createTestDatabase(options.cleanup, {
    prefix: 'bench_inventory',
    migrationsDirs: [platformMigrationsDir, `${repoRoot}services/inventory/migrations`],
  });
  const topicPrefix = `bench-${runId}-read.`;
  const groupPrefix = `bench-${runId}-read-`;
  const admin = createKafkaTransport({ KAFKA_BROKERS: servers.kafkaBrokers, ...servers.kafkaCredentials }, { clientId: `bench-${runId}-read` }).admin();
  await admin.connect();
  const topics = allTopics().map((topic) => `${topicPrefix}${topic.name}`);
  options.cleanup(async () => {
    await admin.deleteGroups([`${groupPrefix}inventory`]).catch(() => undefined);
    await admin.deleteTopics({ topics, timeout: 10_000 }).catch(() => undefined);
    await admin.disconnect();
  });
  await ensureTopics(admin, allTopics(), topicPrefix);

  const start = (name: string, script: string, env: Record<string, string>) =>
    freePort().then(async (port) => {
      const { process: running } = await startProcess({ name, script, port, env, logDir: options.logDir });
      options.cleanup(() => running.stop());
      return running;
    });
  const hello = await start('sale-read-hello-world', 'services/order/bench/baseline.server.ts', { BASELINE: 'hello' });
  const inventory = await start('inventory-alone', 'services/inventory/src/main.ts', {
    MYSQL_URL: database.url,
    REDIS_URL: options.redisUrl,
    KAFKA_BROKERS: servers.kafkaBrokers.join(','),
    KAFKA_GROUP_ID_PREFIX: groupPrefix,
    KAFKA_TOPIC_PREFIX: topicPrefix,
    JWT_SECRET: options.jwtSecret,
    RATE_LIMIT_UNAUTHENTICATED_MAX: String(1_000_000_000),
  });
  await waitUntilReady(hello, '/health/ready');
  await waitUntilReady(inventory, '/health/ready');

  // A live, armed sale, made the way an operator makes one.
  const ops = signOpsToken(options.jwtSecret, TENANT);
  const { saleId } = await openSale(inventory.url, ops, {
    skuId: `bench-read-${runId}`,
    name: 'Bench sneaker',
    stock: 1000,
    perUserLimit: 2,
    holdTtlSeconds: 600,
    openForMs: 4 * 3_600_000,
  });
  const saleUrl = `${inventory.url}/v1/sales/${saleId}`;
  const probe = await fetch(saleUrl, { headers: { 'x-tenant-id': TENANT } });
  if (probe.status !== 200) throw new Error(`GET /v1/sales/:id answered ${probe.status}: ${await probe.text()}`);

  const load = (url: string, seconds: number) => wrkGet(url, { seconds, connections: options.connections, threads: options.threads });
  say(
    `sale read: GET /v1/sales/:id on the inventory service alone next to hello-world, wrk -t${options.threads} -c${options.connections}, ${options.rounds} rounds of ${options.seconds}s (warm-up ${options.warmupSeconds}s each)`,
  );
  await load(`${hello.url}/`, options.warmupSeconds);
  await load(saleUrl, options.warmupSeconds);
  // What each process spends with no request at all (the inventory's relay, consumer and timers):
  // counted in its CPU per answer, so said apart.
  const idleBefore = await Promise.all([cpuSeconds(hello), cpuSeconds(inventory)]);
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const idleAfter = await Promise.all([cpuSeconds(hello), cpuSeconds(inventory)]);
  const idlePct = idleAfter.map((after, i) => ((after - (idleBefore[i] ?? 0)) / 3) * 100);
  say(`  idle: hello-world ${idlePct[0]?.toFixed(1)} % of a core, inventory ${idlePct[1]?.toFixed(1)} %`);
  // On a shared machine the figures move with what else runs: the load says how much did.
  const machineLoad = () =>
    loadavg()
      .map((value) => value.toFixed(1))
      .join(' ');
  say(`  load average before the rounds: ${machineLoad()}`);
  const rounds: Array<{ hello: number; sale: number; p99: number; helloCpuUs: number; saleCpuUs: number }> = [];
  for (let n = 1; n <= options.rounds; n += 1) {
    const helloRun = await measured(hello, `${hello.url}/`, (url) => load(url, options.seconds));
    const saleRun = await measured(inventory, saleUrl, (url) => load(url, options.seconds));
    await Promise.all([hello.sample().catch(() => undefined), inventory.sample().catch(() => undefined)]);
    if (saleRun.non2xx > 0 || saleRun.socketErrors > 0)
      say(`  note: the sale read had ${saleRun.non2xx} answers outside 2xx/3xx and ${saleRun.socketErrors} socket errors`);
    rounds.push({
      hello: helloRun.perSecond,
      sale: saleRun.perSecond,
      p99: saleRun.p99Ms,
      helloCpuUs: helloRun.cpuUsPerRequest,
      saleCpuUs: saleRun.cpuUsPerRequest,
    });
    say(
      `  round ${n}: hello ${helloRun.perSecond.toFixed(0)}/s (${helloRun.cpuUsPerRequest.toFixed(0)} µs CPU each) | ` +
        `sale read ${saleRun.perSecond.toFixed(0)}/s (${saleRun.cpuUsPerRequest.toFixed(0)} µs CPU each, p99 ${saleRun.p99Ms.toFixed(1)} ms) | ratio ${(saleRun.perSecond / helloRun.perSecond).toFixed(3)}`,
    );
  }
  say(`  load average after the rounds: ${machineLoad()}`);
  const figures: SaleReadFigures = {
    sale_read_per_s: round(median(rounds.map((r) => r.sale))),
    sale_read_vs_hello: round(median(rounds.map((r) => r.sale / r.hello)), 3),
    sale_read_hello_world_per_s: round(median(rounds.map((r) => r.hello))),
    sale_read_p99_ms_closed_model: round(rounds.at(-1)?.p99 ?? Number.NaN, 1),
    sale_read_cpu_us_per_request: round(median(rounds.map((r) => r.saleCpuUs)), 1),
    sale_read_hello_world_cpu_us_per_request: round(median(rounds.map((r) => r.helloCpuUs)), 1),
    sale_read_cpu_vs_hello: round(median(rounds.map((r) => r.helloCpuUs / r.saleCpuUs)), 3),
    sale_read_inventory_idle_cpu_pct: round(idlePct[1] ?? Number.NaN, 1),
  };
  await hello.stop();
  await inventory.stop();
  return { figures, processes: [hello, inventory] };
}

/** A redis-server of the run's own, so the bench writes nothing into the shared one. */
async function privateRedis(dir: string, cleanup: (fn: Cleanup) => void): Promise<string> {
  const port = await freePort();
  const child = spawn(
    process.env.REDIS_SERVER_BIN ?? 'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  cleanup(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  const url = `redis://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 100; attempt += 1) {
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    const answered = await probe.connect().then(
      async () => (await probe.ping()) === 'PONG',
      () => false,
    );
    probe.disconnect();
    if (answered) return url;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the private redis-server did not answer');
}

if (import.meta.main) {
  const cleanups: Cleanup[] = [];
  const cleanup = (fn: Cleanup) => void cleanups.push(fn);
  const workDir = mkdtempSync(`${tmpdir()}/flash-sale-bench-`);
  try {
    const seconds = Number(process.env.BENCH_SECONDS ?? 5);
    const { figures, processes } = await measureSaleRead({
      servers: await resolveServers(),
      redisUrl: await privateRedis(workDir, cleanup),
      jwtSecret: randomBytes(24).toString('hex'),
      runId: randomUUID().replaceAll('-', '').slice(0, 12),
      logDir: workDir,
      rounds: Number(process.env.BENCH_ROUNDS ?? 3),
      seconds,
      warmupSeconds: Math.min(2, seconds),
      connections: Number(process.env.BENCH_CONNECTIONS ?? 100),
      threads: Number(process.env.BENCH_THREADS ?? 2),
      cleanup,
      say: (line) => console.log(line),
    });
    console.log(JSON.stringify({ ...figures, rss_mb_max: Object.fromEntries(processes.map((p) => [p.name, round(p.peakRssMb)])) }));
  } finally {
    for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch((error: unknown) => console.error('cleanup failed:', error));
    rmSync(workDir, { recursive: true, force: true });
  }
}
