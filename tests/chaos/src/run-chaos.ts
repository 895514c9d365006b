/**
 * `npm run chaos`: a flash sale under a seeded fault schedule, on servers and services of its own,
 * then the invariants. Prints the seed first and the schedule it draws; the same seed (on the same
 * topology) draws the same schedule. Exits 1 when an invariant fails, 2 when the run itself could
 * not be carried out.
 *
 *   npm run chaos
 *   CHAOS_SEED=42 CHAOS_SECONDS=60 CHAOS_RATE=15 npm run chaos
 *   npm run chaos -- --seed 42 --seconds 60 --rate 15 --topology cluster
 *
 * The cluster topology (`STACK_TOPOLOGY=cluster` or `--topology cluster`) runs six Redis Cluster
 * nodes, three brokers, a MariaDB server per service and two instances of each service, and adds
 * the cluster's own faults (fault-schedule.ts): the broker leading the sale's partition killed, the
 * sale's Redis master failed over, a broker or Redis node cut off by iptables. So that those rules
 * reach only this run, the whole run re-executes itself inside a network namespace of its own
 * (`unshare --net`, root), whose loopback carries every connection of the run and which vanishes,
 * rules and all, when the run ends.
 *
 * Env: CHAOS_SEED (default: random), CHAOS_SECONDS (load length, default 120), CHAOS_RATE
 * (shoppers per second, default 20), CHAOS_STOCK (default 40 % of the arrivals: with two orders per
 * user the sale sells out at about 80 % of the load, after the last fault), CHAOS_KEEP_DATA=1
 * (keep the temporary folder with every server's data and every process's log), STACK_TOPOLOGY.
 */
import { randomInt } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { spawn, type ChildProcess } from 'node:child_process';
import mysql from 'mysql2/promise';
import { waitFor } from '@flash-sale/testkit';
import { createTestKafka } from '@flash-sale/events/testing';
import { keySlot, parseClusterNodes, partitionOf, slotOwners } from './cluster-lookups.ts';
import { describeFault, drawSchedule, renderSchedule, type Fault } from './fault-schedule.ts';
import { checkInvariants, settledFingerprint, type OrderAnswer, type ServiceDatabases, type Verdict } from './invariants.ts';
import {
  createPrivateStack,
  runCommand,
  serverNames,
  SERVER_GROUPS,
  type PrivateStack,
  type ServerGroup,
  type ServerNode,
  type Topology,
} from './private-stack.ts';
import { createServiceProcesses, instanceNames, type ServiceProcesses } from './service-processes.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const out = (line: string) => process.stdout.write(`${line}\n`);

function argument(flag: string, variable: string): string | undefined {
  const at = process.argv.indexOf(`--${flag}`);
  return at >= 0 ? process.argv[at + 1] : process.env[variable];
}

function option(flag: string, variable: string, fallback: number): number {
  const raw = argument(flag, variable);
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(`--${flag} / ${variable} must be a non-negative integer, not '${raw}'\n`);
    process.exit(2);
  }
  return value;
}

const topologyArgument = argument('topology', 'STACK_TOPOLOGY') || 'single';
if (topologyArgument !== 'single' && topologyArgument !== 'cluster') {
  process.stderr.write(`--topology / STACK_TOPOLOGY must be single or cluster, not '${topologyArgument}'\n`);
  process.exit(2);
}
const topology: Topology = topologyArgument;

// The cluster run's partitions need a network namespace of its own: the first process prepares what
// needs the outside network (iptables, k6), then runs the same command again inside one and
// passes on its exit code; the second does the run.
if (topology === 'cluster' && process.env.CHAOS_IN_NETNS !== '1') {
  if (process.getuid?.() !== 0) {
    process.stderr.write('a cluster chaos run partitions nodes with iptables inside a network namespace of its own: run it as root\n');
    process.exit(2);
  }
  const iptables = await runCommand('bash', ['-c', 'source infra/local/lib.sh && ensure_iptables'], { cwd: repoRoot, env: process.env });
  if (iptables.code !== 0) {
    process.stderr.write(`iptables could not be installed:\n${iptables.stderr}`);
    process.exit(2);
  }
  const k6Path = await runCommand('bash', ['load-tests/install-k6.sh'], { cwd: repoRoot, env: process.env });
  const k6Bin = k6Path.stdout.trim().split('\n').pop() ?? '';
  if (k6Path.code !== 0 || !k6Bin) {
    process.stderr.write(`k6 is not available:\n${k6Path.stderr}`);
    process.exit(2);
  }
  const inner = spawn(
    'unshare',
    ['--net', '--', 'bash', '-c', 'ip link set lo up && exec "$@"', 'chaos-netns', process.execPath, ...process.execArgv, ...process.argv.slice(1)],
    {
      cwd: process.cwd(),
      env: { ...process.env, CHAOS_IN_NETNS: '1', CHAOS_K6_BIN: k6Bin, STACK_TOPOLOGY: 'cluster' },
      stdio: 'inherit',
    },
  );
  // The inner run stops everything it started on these signals; this process waits for it.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => inner.kill(signal));
  const code = await new Promise<number | null>((resolve) => inner.once('close', (exitCode) => resolve(exitCode)));
  process.exit(code ?? 2);
}

const seed = option('seed', 'CHAOS_SEED', randomInt(2 ** 31));
const loadSeconds = option('seconds', 'CHAOS_SECONDS', 120);
const rate = option('rate', 'CHAOS_RATE', 20);
const stock = option('stock', 'CHAOS_STOCK', Math.max(10, Math.floor(rate * loadSeconds * 0.4)));
const keepData = process.env.CHAOS_KEEP_DATA === '1';
if (loadSeconds < 20 || rate < 1) {
  process.stderr.write('a chaos run needs CHAOS_SECONDS >= 20 and CHAOS_RATE >= 1\n');
  process.exit(2);
}

out(`chaos seed ${seed}`);
const targets = [...instanceNames(topology).map((instance) => instance.name), ...serverNames(topology)];
// Partitions cut off a broker or a Redis node: the servers whose clients fail over to their peers.
const partitionTargets = topology === 'cluster' ? serverNames(topology).filter((name) => name.startsWith('redis-') || name.startsWith('kafka-')) : undefined;
const schedule = drawSchedule({ seed, loadSeconds, targets, ...(partitionTargets ? { partitionTargets } : {}) });
out(`topology ${topology}; ${loadSeconds} s of load at ${rate} shoppers/s on a sale of ${stock} units; ${schedule.length} faults:`);
out(renderSchedule(schedule));

const runStarted = Date.now();
const stamp = () => `[${((Date.now() - runStarted) / 1000).toFixed(1).padStart(6)}s]`;
const say = (line: string) => out(`${stamp()} ${line}`);

const dataDir = await mkdtemp(join(tmpdir(), 'flash-sale-chaos-'));
const logDir = join(dataDir, 'logs');
await mkdir(logDir);
let stack: PrivateStack | undefined;
let services: ServiceProcesses | undefined;
let k6: ChildProcess | undefined;
let saleId = '';
let finished = false;
const selfExits: string[] = [];

async function tearDown(): Promise<void> {
  finished = true;
  if (k6 && k6.exitCode === null) k6.kill('SIGKILL');
  await services?.stopAll().catch((error: unknown) => say(`stopping services: ${String(error)}`));
  await stack?.stopAll().catch((error: unknown) => say(`stopping servers: ${String(error)}`));
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (interrupted) return;
    interrupted = true;
    say(`${signal}: stopping everything this run started`);
    void tearDown().finally(() => process.exit(130));
  });
}

/** Starts a service instance and restarts it, as a process supervisor would, when it exits without being told to. */
const intendedExit = new Set<string>();
async function superviseStart(name: string): Promise<void> {
  if (!services) return;
  await services.start(name);
  const child = services.process(name)?.child;
  child?.once('exit', (code, signal) => {
    if (finished || intendedExit.delete(name)) return;
    selfExits.push(`${name}(${signal ?? code})`);
    say(`${name} exited by itself (${signal ?? `code ${code}`}); restarting it in 1 s`);
    setTimeout(() => void superviseStart(name), 1_000).unref();
  });
}

const serverTargets = new Set(serverNames(topology));

// A server's restart (a killed Kafka broker can take a minute) runs beside the schedule, so the
// faults after it land when drawn. A restart runs its group's script, which asks every node of the
// group whether it answers; a fault on a node of a group still restarting waits for that restart,
// so a node is never paused while its group's script waits on it.
const restarting = new Map<ServerGroup, Promise<void>>();
function restartBeside(node: ServerNode): void {
  if (!stack) return;
  const started = Date.now();
  const previous = restarting.get(node.group) ?? Promise.resolve();
  const running = stack;
  say(`restarting ${node.name}`);
  restarting.set(
    node.group,
    previous.then(() =>
      running.start(node.group).then(
        () => {
          say(`${node.name} answers again after ${((Date.now() - started) / 1000).toFixed(1)} s`);
        },
        (error: unknown) => {
          say(`${node.name} did not restart: ${String(error)}`);
        },
      ),
    ),
  );
}

/** The iptables rules of the partitions in force, so the heal (or the end) removes exactly them. */
const partitionRules = new Map<string, string[][]>();
async function iptables(args: string[]): Promise<void> {
  const result = await runCommand('iptables', ['-w', ...args], { cwd: repoRoot, env: process.env });
  if (result.code !== 0) throw new Error(`iptables ${args.join(' ')}: ${result.stderr.trim()}`);
}
async function partition(node: ServerNode): Promise<void> {
  // On the loopback every packet passes INPUT once: dropping those to and from the node's ports
  // cuts its clients and its peers (cluster bus, controller quorum, replication) off it.
  const rules = node.ports.flatMap((port) => [
    ['INPUT', '-p', 'tcp', '--dport', String(port), '-j', 'DROP'],
    ['INPUT', '-p', 'tcp', '--sport', String(port), '-j', 'DROP'],
  ]);
  partitionRules.set(node.name, rules);
  for (const rule of rules) await iptables(['-A', ...rule]);
}
async function heal(node: ServerNode): Promise<void> {
  for (const rule of partitionRules.get(node.name) ?? []) await iptables(['-D', ...rule]).catch((error: unknown) => say(String(error)));
  partitionRules.delete(node.name);
}

async function redisCli(port: number, ...args: string[]) {
  return runCommand('timeout', ['3', 'redis-cli', '-h', '127.0.0.1', '-p', String(port), ...args], { cwd: repoRoot, env: process.env });
}

/** The sale's slot's master and a replica of it, as the first node that answers sees them. */
async function saleSlotOwners(): Promise<{ master: ServerNode; replica: ServerNode | undefined; slot: number } | undefined> {
  if (!stack) return undefined;
  const slot = keySlot(`{${saleId}}`);
  const byPort = (port: number) => stack?.nodes.find((node) => node.group === 'redis' && node.ports[0] === port);
  for (const node of stack.nodes.filter((candidate) => candidate.group === 'redis' && !partitionRules.has(candidate.name))) {
    const answer = await redisCli(node.ports[0] as number, 'CLUSTER', 'NODES');
    if (answer.code !== 0) continue;
    const owners = slotOwners(parseClusterNodes(answer.stdout), slot);
    const master = owners && byPort(owners.master.port);
    if (master) return { master, replica: owners.replica && byPort(owners.replica.port), slot };
  }
  return undefined;
}

/** The broker leading the sale's partition of the order-created topic, from the brokers' metadata. */
async function hotPartitionLeader(): Promise<{ node: ServerNode; partition: number } | undefined> {
  if (!stack) return undefined;
  const cleanups: Array<() => Promise<void> | void> = [];
  try {
    const kafka = await createTestKafka((cleanup) => cleanups.push(cleanup));
    const topic = 'order.order.created.v1';
    const metadata = kafka.kafka.admin();
    await metadata.connect();
    try {
      const described = await metadata.fetchTopicMetadata({ topics: [topic] });
      const partitions = described.topics[0]?.partitions ?? [];
      const partition = partitionOf(saleId, partitions.length);
      const leader = partitions.find((candidate) => candidate.partitionId === partition)?.leader;
      const node = stack.nodes.find((candidate) => candidate.name === `kafka-${leader}`);
      return node ? { node, partition } : undefined;
    } finally {
      await metadata.disconnect();
    }
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}

/** When each Redis failover began, for the cost measured from the clients' attempts afterwards. */
const failovers: Array<{ at: number; label: string; durationMs: number; nextFaultAt: number | undefined }> = [];
/** When the fault after the one landing now is due: a failover's window ends there at the latest. */
let nextFaultAt: number | undefined;

async function injectOnServer(fault: Fault, node: ServerNode): Promise<void> {
  if (!stack) return;
  await restarting.get(node.group);
  const pid = await stack.signal(node, fault.kind === 'pause' ? 'SIGSTOP' : 'SIGKILL');
  say(`${fault.kind === 'pause' ? 'SIGSTOP' : 'SIGKILL'} ${node.name} (pid ${pid ?? 'none'}) for ${fault.durationSeconds} s`);
  await sleep(fault.durationSeconds * 1000);
  if (fault.kind === 'pause') {
    await stack.signal(node, 'SIGCONT');
    say(`SIGCONT ${node.name}`);
  } else {
    restartBeside(node);
  }
}

async function inject(fault: Fault): Promise<void> {
  if (!stack || !services) return;
  if (fault.kind === 'kill-hot-leader') {
    await restarting.get('kafka');
    const leader = await hotPartitionLeader().catch((error: unknown) => {
      say(`no leader found for the sale's partition: ${String(error)}`);
      return undefined;
    });
    if (!leader) {
      say('hot-partition leader fault skipped');
      return;
    }
    say(`the sale's partition ${leader.partition} of order.order.created.v1 is led by ${leader.node.name}`);
    return injectOnServer({ ...fault, kind: 'kill' }, leader.node);
  }
  if (fault.kind === 'redis-failover') {
    await restarting.get('redis');
    const owners = await saleSlotOwners();
    if (!owners) {
      say('Redis failover skipped: no master of the sale slot answered');
      return;
    }
    const at = Date.now();
    if (fault.variant === 'kill' || !owners.replica) {
      failovers.push({ at, label: `SIGKILL of ${owners.master.name}, master of slot ${owners.slot}`, durationMs: fault.durationSeconds * 1000, nextFaultAt });
      say(`the sale slot ${owners.slot} is on ${owners.master.name} (replica ${owners.replica?.name ?? 'none'}): killing the master`);
      return injectOnServer({ ...fault, kind: 'kill' }, owners.master);
    }
    failovers.push({
      at,
      label: `CLUSTER FAILOVER of ${owners.master.name} to ${owners.replica.name} (slot ${owners.slot})`,
      durationMs: fault.durationSeconds * 1000,
      nextFaultAt,
    });
    const answer = await redisCli(owners.replica.ports[0] as number, 'CLUSTER', 'FAILOVER');
    say(
      `CLUSTER FAILOVER on ${owners.replica.name}, replica of ${owners.master.name} (sale slot ${owners.slot}): ${answer.stdout.trim() || answer.stderr.trim()}`,
    );
    const promoted = await waitFor(async () => (await redisCli(owners.replica?.ports[0] as number, 'ROLE')).stdout.startsWith('master'), {
      timeoutMs: 20_000,
      intervalMs: 100,
      what: 'replica promoted',
    }).then(
      () => true,
      () => false,
    );
    say(promoted ? `${owners.replica.name} is master after ${((Date.now() - at) / 1000).toFixed(1)} s` : `${owners.replica.name} was not promoted within 20 s`);
    await sleep(Math.max(0, at + fault.durationSeconds * 1000 - Date.now()));
    return;
  }
  if (fault.kind === 'partition') {
    // A partition pauses no process, so a restart of its group's script cannot hang on it: it
    // lands on time, even on a node still coming back.
    const node = stack.node(fault.target);
    await partition(node);
    say(`partitioned ${node.name} (ports ${node.ports.join(', ')}) for ${fault.durationSeconds} s`);
    await sleep(fault.durationSeconds * 1000);
    await heal(node);
    say(`healed the partition of ${node.name}`);
    return;
  }
  if (serverTargets.has(fault.target)) return injectOnServer(fault, stack.node(fault.target));
  const name = fault.target;
  const child = services.process(name)?.child;
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    say(`${name} is not running; fault skipped`);
    return;
  }
  if (fault.kind === 'kill') intendedExit.add(name);
  child.kill(fault.kind === 'kill' ? 'SIGKILL' : 'SIGSTOP');
  say(`${fault.kind === 'kill' ? 'SIGKILL' : 'SIGSTOP'} ${name} (pid ${child.pid}) for ${fault.durationSeconds} s`);
  await sleep(fault.durationSeconds * 1000);
  if (fault.kind === 'kill') {
    await superviseStart(name);
    say(`restarted ${name}`);
  } else {
    child.kill('SIGCONT');
    say(`SIGCONT ${name}`);
  }
}

/** Every server answering and every service ready, whatever a fault or a crash left behind. */
async function healAll(): Promise<void> {
  if (!stack || !services) return;
  for (const name of [...partitionRules.keys()]) await heal(stack.node(name));
  await Promise.all(restarting.values());
  for (const node of stack.nodes) await stack.signal(node, 'SIGCONT');
  for (const group of SERVER_GROUPS) await stack.start(group);
  for (const { name } of services.instances) {
    const child = services.process(name)?.child;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGCONT');
    else await superviseStart(name);
  }
  for (const { name } of services.instances) await services.waitReady(name, 120_000);
}

interface Attempt {
  at: number;
  status: number;
  ms: number;
}

async function readAnswers(file: string): Promise<{ orders: OrderAnswer[]; payments: number; attempts: Attempt[] }> {
  const orders: OrderAnswer[] = [];
  const attempts: Attempt[] = [];
  let payments = 0;
  if (!existsSync(file)) return { orders, payments, attempts };
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    if (!line.trim()) continue;
    const entry = JSON.parse(line) as { msg?: string };
    if (!entry.msg?.startsWith('{')) continue;
    const answer = JSON.parse(entry.msg) as OrderAnswer & Attempt & { kind: string; completed_status?: number };
    if (answer.kind === 'order') orders.push(answer);
    else if (answer.kind === 'attempt') attempts.push({ at: answer.at, status: answer.status, ms: answer.ms });
    else if (answer.kind === 'payment' && answer.completed_status === 200) payments += 1;
  }
  return { orders, payments, attempts: attempts.sort((a, b) => a.at - b.at) };
}

const percentile = (values: number[], share: number) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(share * sorted.length))] ?? 0;
};

/**
 * What a Redis failover cost the buyers, from their attempts to place an order: how many were
 * refused (a 5xx or no answer) in the fault's window (until 10 s after its end, or the next fault), how long after
 * the fault the first 201 came that followed a refusal (or the first 201 at all when none was
 * refused), and how slow the accepted ones were in the 15 s after the fault against the 15 s before.
 */
function failoverCost(
  failover: { at: number; label: string; durationMs: number; nextFaultAt: number | undefined },
  attempts: readonly Attempt[],
  loadStarted: number,
): string {
  const refused = (attempt: Attempt) => attempt.status === 0 || attempt.status >= 500;
  const answeredAt = (attempt: Attempt) => attempt.at + attempt.ms;
  const windowEnd = Math.min(failover.at + failover.durationMs + 10_000, failover.nextFaultAt ?? Number.POSITIVE_INFINITY);
  const window = attempts.filter((attempt) => attempt.at >= failover.at && attempt.at < windowEnd);
  const refusals = window.filter(refused);
  const lastRefusal = refusals.at(-1);
  const recovered = attempts.find((attempt) => attempt.at >= (lastRefusal?.at ?? failover.at) && attempt.status === 201);
  const accepted = (from: number, to: number) =>
    attempts.filter((attempt) => attempt.at >= from && attempt.at < to && attempt.status === 201).map((attempt) => attempt.ms);
  const before = accepted(failover.at - 15_000, failover.at);
  const during = accepted(failover.at, failover.at + 15_000);
  return (
    `Redis failover at +${((failover.at - loadStarted) / 1000).toFixed(1)} s (${failover.label}): ` +
    `${refusals.length} of ${window.length} order attempts refused in the ${((windowEnd - failover.at) / 1000).toFixed(0)} s from the fault ` +
    `(5xx ${refusals.filter((attempt) => attempt.status >= 500).length}, no answer ${refusals.filter((attempt) => attempt.status === 0).length}); ` +
    (recovered
      ? `first 201 ${lastRefusal ? 'after the last refusal ' : ''}answered ${((answeredAt(recovered) - failover.at) / 1000).toFixed(1)} s after the fault; `
      : 'no 201 after it; ') +
    `201s p95/max ${percentile(during, 0.95)}/${Math.max(0, ...during)} ms in the 15 s after vs ${percentile(before, 0.95)}/${Math.max(0, ...before)} ms before`
  );
}

let exitCode = 2;
try {
  stack = await createPrivateStack({ repoRoot, dataDir, topology, log: (line) => say(line) });
  const env = stack.env;
  say(`private servers under ${dataDir}: ${stack.nodes.map((node) => `${node.name} :${node.ports.join('/')}`).join(', ')}`);
  for (const group of SERVER_GROUPS) await stack.start(group);
  const prepared = await runCommand(process.execPath, ['scripts/stack/prepare.ts'], { cwd: repoRoot, env });
  if (prepared.code !== 0) throw new Error(`migrations and topics failed:\n${prepared.stderr}`);
  say('migrated every schema and created every topic');
  // The lookups of the cluster's faults (createTestKafka) read the servers from the environment.
  // redis-cli (the Redis faults) authenticates as the private stack's default user through REDISCLI_AUTH.
  Object.assign(process.env, {
    MYSQL_ADMIN_URL: env.MYSQL_ADMIN_URL,
    REDIS_URL: env.REDIS_URL,
    KAFKA_BROKERS: env.KAFKA_BROKERS,
    KAFKA_SASL_USERNAME: env.KAFKA_SASL_USERNAME ?? '',
    KAFKA_SASL_PASSWORD: env.KAFKA_SASL_PASSWORD ?? '',
    REDISCLI_AUTH: env.REDISCLI_AUTH ?? '',
  });

  // Webhook retries capped low, so a payment service that was down hears of its payments within the settle wait.
  services = await createServiceProcesses({ repoRoot, env: { ...env, PROVIDER_RETRY_BASE_MS: '200', PROVIDER_RETRY_MAX_MS: '3000' }, logDir, topology });
  for (const { name } of services.instances) await superviseStart(name);
  for (const { name } of services.instances) await services.waitReady(name);
  say(`services ready: ${services.instances.map((instance) => `${instance.name} ${instance.url}`).join(', ')}`);

  const sale = await runCommand(process.execPath, ['load-tests/prepare-sale.ts'], { cwd: repoRoot, env: { ...env, SALE_STOCK: String(stock) } });
  saleId = sale.stdout.trim();
  if (sale.code !== 0 || !saleId) throw new Error(`could not create and arm the sale:\n${sale.stderr}`);
  say(`sale ${saleId} armed with ${stock} units`);

  let k6Bin = process.env.CHAOS_K6_BIN ?? '';
  if (!k6Bin) {
    const k6Path = await runCommand('bash', ['load-tests/install-k6.sh'], { cwd: repoRoot, env });
    k6Bin = k6Path.stdout.trim().split('\n').pop() ?? '';
    if (k6Path.code !== 0 || !k6Bin) throw new Error(`k6 is not available:\n${k6Path.stderr}`);
  }
  const answersFile = join(dataDir, 'answers.jsonl');
  const summaryFile = join(dataDir, 'k6-summary.json');
  const urlsOf = (service: 'order' | 'payment') => services?.of(service).map((instance) => instance.url) ?? [];
  k6 = spawn(k6Bin, ['run', '--quiet', '--log-format', 'json', '--console-output', answersFile, 'tests/chaos/src/chaos-sale.js'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dataDir,
      ORDER_URLS: urlsOf('order').join(','),
      PAYMENT_URLS: urlsOf('payment').join(','),
      PROVIDER_URL: services.of('provider-sim')[0]?.url ?? '',
      SALE_ID: saleId,
      JWT_SECRET: env.JWT_SECRET ?? '',
      ...(env.JWT_ISSUER ? { JWT_ISSUER: env.JWT_ISSUER } : {}),
      ...(env.JWT_AUDIENCE ? { JWT_AUDIENCE: env.JWT_AUDIENCE } : {}),
      RATE: String(rate),
      DURATION: `${loadSeconds}s`,
      RUN_ID: `s${seed}`,
      SUMMARY_FILE: summaryFile,
      K6_NO_USAGE_REPORT: 'true',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // stdout is the closing summary; stderr is one warning per failed request, which faults make many of.
  const k6Output: string[] = [];
  let k6Warnings = 0;
  k6.stdout?.on('data', (chunk: Buffer) => k6Output.push(chunk.toString()));
  k6.stderr?.on(
    'data',
    (chunk: Buffer) =>
      (k6Warnings += chunk
        .toString()
        .split('\n')
        .filter((line) => line.includes('"level":"warning"')).length),
  );
  const k6Exited = new Promise<number>((resolve) => k6?.once('close', (code) => resolve(code ?? 1)));
  const loadStarted = Date.now();
  say(
    `k6 sale started: ${rate} shoppers/s for ${loadSeconds} s over ${urlsOf('order').length} order instance(s), two orders per user, retrying with the same Idempotency-Key`,
  );

  for (const [index, fault] of schedule.entries()) {
    const due = loadStarted + fault.atSeconds * 1000 - Date.now();
    if (due > 0) await sleep(due);
    const next = schedule[index + 1];
    nextFaultAt = next ? loadStarted + next.atSeconds * 1000 : undefined;
    await inject(fault);
  }
  const k6Code = await k6Exited;
  out(k6Output.join('').trimEnd());
  say(`k6 finished (exit ${k6Code}; ${k6Warnings} requests failed in transport and were retried or given up)`);

  await healAll();
  say('every server and service is up');
  const pool = (variable: string) => mysql.createPool({ uri: env[variable] ?? env.MYSQL_ADMIN_URL ?? '', connectionLimit: 2 });
  const databases: ServiceDatabases = {
    order: pool('ORDER_MYSQL_ADMIN_URL'),
    payment: pool('PAYMENT_MYSQL_ADMIN_URL'),
    inventory: pool('INVENTORY_MYSQL_ADMIN_URL'),
    reconciler: pool('RECONCILER_MYSQL_ADMIN_URL'),
  };
  try {
    const settle = async (what: string) => {
      const deadline = Date.now() + 240_000;
      let previous = '';
      let same = 0;
      while (Date.now() < deadline) {
        const fingerprint = await settledFingerprint(databases);
        same = fingerprint === previous && (JSON.parse(fingerprint) as { unpublished: number }).unpublished === 0 ? same + 1 : 0;
        previous = fingerprint;
        if (same >= 3) {
          say(`${what}: settled ${previous}`);
          return;
        }
        await sleep(2_000);
      }
      say(`${what}: still moving after 240 s (${previous})`);
    };
    await settle('after the load');

    // The load has ended, so a hold older than the order path's in-flight window (30 s) with no
    // order behind it can only be an orphan; the service's 2-minute grace would make the cycle wait.
    const reconciled = await runCommand(process.execPath, ['services/reconciler/src/reconcile.cli.ts', 'all'], {
      cwd: repoRoot,
      env: { ...env, MYSQL_URL: env.RECONCILER_MYSQL_URL ?? '', LOG_LEVEL: 'warn', ORPHAN_HOLD_GRACE_MS: '35000' },
    });
    for (const line of reconciled.stdout.split('\n').filter((text) => text.startsWith('{'))) {
      const run = JSON.parse(line) as Record<string, unknown>;
      const counts = Object.entries(run)
        .filter(([, value]) => typeof value === 'number')
        .map(([key, value]) => `${key}=${String(value)}`)
        .join(' ');
      const job = typeof run.job === 'string' ? run.job : typeof run.name === 'string' ? run.name : '?';
      say(`reconciliation ${job}: ${counts}`);
    }
    say(`reconciliation cycle exit ${reconciled.code}${reconciled.code === 0 ? '' : `\n${reconciled.stderr.slice(-2000)}`}`);
    await settle('after reconciliation');

    const answers = await readAnswers(answersFile);
    const byAnswer = new Map<string, number>();
    for (const answer of answers.orders) {
      const label = `${answer.status}${answer.code ? ` ${answer.code}` : ''}${answer.final ? '' : ' (gave up)'}`;
      byAnswer.set(label, (byAnswer.get(label) ?? 0) + 1);
    }
    say(`final answers to POST /v1/orders: ${[...byAnswer].map(([label, n]) => `${label}: ${n}`).join(', ')}`);
    const costs = failovers.map((failover) => failoverCost(failover, answers.attempts, loadStarted));
    for (const cost of costs) say(cost);
    out('');
    out(`invariants (seed ${seed}):`);
    const verdicts: Verdict[] = await checkInvariants(databases, answers.orders);
    for (const verdict of verdicts) {
      out(
        `${verdict.ok ? 'PASS' : 'FAIL'}  ${verdict.name}  (${Object.entries(verdict.figures)
          .map(([key, value]) => `${key}=${value}`)
          .join(' ')})`,
      );
    }
    // The sale's Redis figures against the books, through the stock API (load-tests/check-invariants.ts).
    const saleCheck = await runCommand(process.execPath, ['load-tests/check-invariants.ts', saleId, summaryFile], {
      cwd: repoRoot,
      env: { ...env, SETTLE_TIMEOUT_MS: '30000' },
    });
    const saleLines = saleCheck.stdout.split('\n').filter((line) => /^(PASS|FAIL) {2}/.test(line) && !line.includes('invariants'));
    for (const line of saleLines) out(line);
    if (saleCheck.code !== 0 && saleLines.every((line) => line.startsWith('PASS')))
      out(`FAIL  load-tests/check-invariants.ts exited ${saleCheck.code}: ${saleCheck.stderr.slice(-500)}`);
    const failed =
      verdicts.filter((verdict) => !verdict.ok).length +
      saleLines.filter((line) => line.startsWith('FAIL')).length +
      (saleCheck.code !== 0 && saleLines.every((line) => line.startsWith('PASS')) ? 1 : 0);
    const total = verdicts.length + saleLines.length;
    out('');
    out(
      `${failed === 0 ? 'PASS' : 'FAIL'}  chaos seed ${seed}: ${failed === 0 ? `all ${total} invariants hold` : `${failed} of ${total} invariants broken`}; ` +
        `topology ${topology}; ${schedule.length} faults (${schedule.map((fault) => `${describeFault(fault)} ${fault.target}`).join(', ') || 'none'}); ` +
        `${answers.orders.filter((answer) => answer.status === 201).length} orders accepted, ${answers.payments} payments completed; ` +
        `services that exited by themselves: ${selfExits.join(', ') || 'none'}` +
        (costs.length > 0 ? `; failover cost: ${costs.join(' | ')}` : ''),
    );
    exitCode = failed === 0 ? 0 : 1;
  } finally {
    for (const connection of [databases.order, databases.payment, databases.inventory, databases.reconciler]) await connection.end();
  }
} catch (error) {
  out(`chaos run could not be carried out: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  exitCode = 2;
} finally {
  await tearDown();
  if (keepData || exitCode !== 0) out(`data and logs kept in ${dataDir}`);
  else await rm(dataDir, { recursive: true, force: true });
}
process.exit(exitCode);
