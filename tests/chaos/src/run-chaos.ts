/**
 * `npm run chaos`: a flash sale under a seeded fault schedule, on servers and services of its own,
 * then the invariants. Prints the seed first and the schedule it draws; the same seed draws the
 * same schedule. Exits 1 when an invariant fails, 2 when the run itself could not be carried out.
 *
 *   npm run chaos
 *   CHAOS_SEED=42 CHAOS_SECONDS=60 CHAOS_RATE=15 npm run chaos
 *   npm run chaos -- --seed 42 --seconds 60 --rate 15
 *
 * Env: CHAOS_SEED (default: random), CHAOS_SECONDS (load length, default 120), CHAOS_RATE
 * (shoppers per second, default 20), CHAOS_STOCK (default 40 % of the arrivals: with two orders per
 * user the sale sells out at about 80 % of the load, after the last fault), CHAOS_KEEP_DATA=1
 * (keep the temporary folder with every server's data and every process's log).
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
import { drawSchedule, renderSchedule, type Fault } from './fault-schedule.ts';
import { checkInvariants, settledFingerprint, type OrderAnswer, type Verdict } from './invariants.ts';
import { createPrivateStack, runCommand, SERVERS, type PrivateStack, type ServerName } from './private-stack.ts';
import { createServiceProcesses, SERVICES, type ServiceName, type ServiceProcesses } from './service-processes.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const out = (line: string) => process.stdout.write(`${line}\n`);

function option(flag: string, variable: string, fallback: number): number {
  const at = process.argv.indexOf(`--${flag}`);
  const raw = at >= 0 ? process.argv[at + 1] : process.env[variable];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(`--${flag} / ${variable} must be a non-negative integer, not '${raw}'\n`);
    process.exit(2);
  }
  return value;
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
const targets: ReadonlyArray<ServiceName | ServerName> = [...SERVICES, ...SERVERS];
const schedule = drawSchedule({ seed, loadSeconds, targets });
out(`topology single; ${loadSeconds} s of load at ${rate} shoppers/s on a sale of ${stock} units; ${schedule.length} faults:`);
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

/** Starts a service and restarts it, as a process supervisor would, when it exits without being told to. */
const intendedExit = new Set<ServiceName>();
function superviseStart(name: ServiceName): void {
  if (!services) return;
  services.start(name);
  const child = services.process(name)?.child;
  child?.once('exit', (code, signal) => {
    if (finished || intendedExit.delete(name)) return;
    selfExits.push(`${name}(${signal ?? code})`);
    say(`${name} exited by itself (${signal ?? `code ${code}`}); restarting it in 1 s`);
    setTimeout(() => superviseStart(name), 1_000).unref();
  });
}

const isServer = (target: string): target is ServerName => (SERVERS as readonly string[]).includes(target);

// A server's restart (a killed Kafka broker can take a minute) runs beside the schedule, so the
// faults after it land when drawn; a fault on a server still restarting waits for that restart.
const restarting = new Map<ServerName, Promise<void>>();

async function inject(fault: Fault): Promise<void> {
  if (!stack || !services) return;
  if (isServer(fault.target)) {
    await restarting.get(fault.target);
    const pid = await stack.signal(fault.target, fault.kind === 'kill' ? 'SIGKILL' : 'SIGSTOP');
    say(`${fault.kind === 'kill' ? 'SIGKILL' : 'SIGSTOP'} ${fault.target} (pid ${pid ?? 'none'}) for ${fault.durationSeconds} s`);
    await sleep(fault.durationSeconds * 1000);
    if (fault.kind === 'kill') {
      say(`restarting ${fault.target}`);
      const server = fault.target;
      const started = Date.now();
      restarting.set(
        server,
        stack.start(server).then(
          () => {
            say(`${server} answers again after ${((Date.now() - started) / 1000).toFixed(1)} s`);
          },
          (error: unknown) => {
            say(`${server} did not restart: ${String(error)}`);
          },
        ),
      );
    } else {
      await stack.signal(fault.target, 'SIGCONT');
      say(`SIGCONT ${fault.target}`);
    }
    return;
  }
  const name = fault.target as ServiceName;
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
    superviseStart(name);
    say(`restarted ${name}`);
  } else {
    child.kill('SIGCONT');
    say(`SIGCONT ${name}`);
  }
}

/** Every server answering and every service ready, whatever a fault or a crash left behind. */
async function healAll(): Promise<void> {
  if (!stack || !services) return;
  await Promise.all(restarting.values());
  for (const server of SERVERS) {
    await stack.signal(server, 'SIGCONT');
    await stack.start(server);
  }
  for (const name of SERVICES) {
    const child = services.process(name)?.child;
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGCONT');
    else superviseStart(name);
  }
  for (const name of SERVICES) await services.waitReady(name, 120_000);
}

async function readAnswers(file: string): Promise<{ orders: OrderAnswer[]; payments: number }> {
  const orders: OrderAnswer[] = [];
  let payments = 0;
  if (!existsSync(file)) return { orders, payments };
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    if (!line.trim()) continue;
    const entry = JSON.parse(line) as { msg?: string };
    if (!entry.msg?.startsWith('{')) continue;
    const answer = JSON.parse(entry.msg) as OrderAnswer & { kind: string; completed_status?: number };
    if (answer.kind === 'order') orders.push(answer);
    else if (answer.kind === 'payment' && answer.completed_status === 200) payments += 1;
  }
  return { orders, payments };
}

let exitCode = 2;
try {
  stack = await createPrivateStack({ repoRoot, dataDir, log: (line) => say(line) });
  const env = stack.env;
  say(`private servers under ${dataDir}: MariaDB :${env.MYSQL_PORT}, Redis :${env.REDIS_PORT}, Kafka :${env.KAFKA_PORT}`);
  for (const server of SERVERS) await stack.start(server);
  const prepared = await runCommand(process.execPath, ['scripts/stack/prepare.ts'], { cwd: repoRoot, env });
  if (prepared.code !== 0) throw new Error(`migrations and topics failed:\n${prepared.stderr}`);
  say('migrated every schema and created every topic');

  // Webhook retries capped low, so a payment service that was down hears of its payments within the settle wait.
  services = createServiceProcesses({ repoRoot, env: { ...env, PROVIDER_RETRY_BASE_MS: '200', PROVIDER_RETRY_MAX_MS: '3000' }, logDir });
  for (const name of SERVICES) superviseStart(name);
  for (const name of SERVICES) await services.waitReady(name);
  say(`services ready: ${SERVICES.map((name) => `${name} ${services?.url(name)}`).join(', ')}`);

  const sale = await runCommand(process.execPath, ['load-tests/prepare-sale.ts'], { cwd: repoRoot, env: { ...env, SALE_STOCK: String(stock) } });
  const saleId = sale.stdout.trim();
  if (sale.code !== 0 || !saleId) throw new Error(`could not create and arm the sale:\n${sale.stderr}`);
  say(`sale ${saleId} armed with ${stock} units`);

  const k6Path = await runCommand('bash', ['load-tests/install-k6.sh'], { cwd: repoRoot, env });
  const k6Bin = k6Path.stdout.trim().split('\n').pop() ?? '';
  if (k6Path.code !== 0 || !k6Bin) throw new Error(`k6 is not available:\n${k6Path.stderr}`);
  const answersFile = join(dataDir, 'answers.jsonl');
  const summaryFile = join(dataDir, 'k6-summary.json');
  k6 = spawn(k6Bin, ['run', '--quiet', '--log-format', 'json', '--console-output', answersFile, 'tests/chaos/src/chaos-sale.js'], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? dataDir,
      ORDER_URL: services.url('order'),
      PAYMENT_URL: services.url('payment'),
      PROVIDER_URL: services.url('provider-sim'),
      SALE_ID: saleId,
      JWT_SECRET: env.JWT_SECRET ?? '',
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
  k6.stderr?.on('data', (chunk: Buffer) => (k6Warnings += chunk.toString().split('\n').filter((line) => line.includes('"level":"warning"')).length));
  const k6Exited = new Promise<number>((resolve) => k6?.once('close', (code) => resolve(code ?? 1)));
  const loadStarted = Date.now();
  say(`k6 sale started: ${rate} shoppers/s for ${loadSeconds} s, two orders per user, retrying with the same Idempotency-Key`);

  for (const fault of schedule) {
    const due = loadStarted + fault.atSeconds * 1000 - Date.now();
    if (due > 0) await sleep(due);
    await inject(fault);
  }
  const k6Code = await k6Exited;
  out(k6Output.join('').trimEnd());
  say(`k6 finished (exit ${k6Code}; ${k6Warnings} requests failed in transport and were retried or given up)`);

  await healAll();
  say('every server and service is up');
  const pool = mysql.createPool({ uri: env.MYSQL_ADMIN_URL ?? '', connectionLimit: 2 });
  try {
    const settle = async (what: string) => {
      const deadline = Date.now() + 240_000;
      let previous = '';
      let same = 0;
      while (Date.now() < deadline) {
        const fingerprint = await settledFingerprint(pool);
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
    const reconciled = await runCommand(process.execPath, ['services/reconciler/src/cli/reconcile.ts', 'all'], {
      cwd: repoRoot,
      env: { ...env, MYSQL_URL: env.RECONCILER_MYSQL_URL ?? '', LOG_LEVEL: 'warn', ORPHAN_HOLD_GRACE_MS: '35000' },
    });
    for (const line of reconciled.stdout.split('\n').filter((text) => text.startsWith('{'))) {
      const run = JSON.parse(line) as Record<string, unknown>;
      const counts = Object.entries(run).filter(([, value]) => typeof value === 'number').map(([key, value]) => `${key}=${String(value)}`).join(' ');
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
    out('');
    out(`invariants (seed ${seed}):`);
    const verdicts: Verdict[] = await checkInvariants(pool, answers.orders);
    for (const verdict of verdicts) {
      out(`${verdict.ok ? 'PASS' : 'FAIL'}  ${verdict.name}  (${Object.entries(verdict.figures).map(([key, value]) => `${key}=${value}`).join(' ')})`);
    }
    // The sale's Redis figures against the books, through the stock API (load-tests/check-invariants.ts).
    const saleCheck = await runCommand(process.execPath, ['load-tests/check-invariants.ts', saleId, summaryFile], {
      cwd: repoRoot,
      env: { ...env, SETTLE_TIMEOUT_MS: '30000' },
    });
    const saleLines = saleCheck.stdout.split('\n').filter((line) => /^(PASS|FAIL) {2}/.test(line) && !line.includes('invariants'));
    for (const line of saleLines) out(line);
    if (saleCheck.code !== 0 && saleLines.every((line) => line.startsWith('PASS'))) out(`FAIL  load-tests/check-invariants.ts exited ${saleCheck.code}: ${saleCheck.stderr.slice(-500)}`);
    const failed = verdicts.filter((verdict) => !verdict.ok).length + saleLines.filter((line) => line.startsWith('FAIL')).length + (saleCheck.code !== 0 && saleLines.every((line) => line.startsWith('PASS')) ? 1 : 0);
    const total = verdicts.length + saleLines.length;
    out('');
    out(
      `${failed === 0 ? 'PASS' : 'FAIL'}  chaos seed ${seed}: ${failed === 0 ? `all ${total} invariants hold` : `${failed} of ${total} invariants broken`}; ` +
        `${schedule.length} faults (${schedule.map((fault) => `${fault.kind} ${fault.target}`).join(', ') || 'none'}); ` +
        `${answers.orders.filter((answer) => answer.status === 201).length} orders accepted, ${answers.payments} payments completed; ` +
        `services that exited by themselves: ${selfExits.join(', ') || 'none'}`,
    );
    exitCode = failed === 0 ? 0 : 1;
  } finally {
    await pool.end();
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
