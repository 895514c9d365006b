/**
 * Every command the README shows works exactly as written from a fresh shell: each one runs here
 * with a stranger's environment (HOME and the system PATH, nothing sourced by hand) far enough to
 * prove its environment is complete. A command added to the README without a probe below fails
 * this test, so the list cannot go stale. Needs the local stack up (npm test starts it).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import t from 'tap';

const root = new URL('../../', import.meta.url).pathname;
// A port nothing listens on: commands that need the services fail at connecting, after their
// environment was read, which is what these probes want to see.
const CLOSED_PORT = '9';

type Outcome = { status: number | null; out: string };

type Probe =
  | {
      /** What the README line starts with. */
      command: string;
      /** What to run instead of the exact line; absent: the exact line. */
      run?: string;
      env?: Record<string, string>;
      /** A problem, or undefined when the command got as far as it should. */
      expect: (result: Outcome) => string | undefined;
    }
  | {
      command: string;
      /** Why this command is not run here (it would stop or replace what the suite runs on). */
      skip: string;
    };

const exitsZero = (result: Outcome) => (result.status === 0 ? undefined : `exit ${result.status}`);
const noMissingEnv = (result: { out: string }) =>
  /must be set|is not defined|invalid configuration/.test(result.out) ? 'an environment variable was missing' : undefined;

const probes: Probe[] = [
  { command: 'npm start', skip: 'runs the services in the foreground until Ctrl-C; the e2e tier runs the same processes' },
  { command: 'npm test', skip: 'this is npm test' },
  {
    command: 'npm run test:unit',
    run: 'npm run test:unit -- --filter=@flash-sale/provider-sim-service',
    expect: (r) => exitsZero(r) ?? (/# \{ total: \d+, pass: \d+ \}/.test(r.out) ? undefined : 'no tap summary printed'),
  },
  { command: 'npm run test:int', skip: 'every int test file again; npm test runs the same files' },
  { command: 'npm run test:e2e', skip: 'every e2e test file again; npm test runs the same files' },
  { command: 'npm run test:browser', skip: 'the browser test again; npm test runs the same file' },
  { command: 'npm run stack:status', expect: (r) => exitsZero(r) ?? (/mariadb/i.test(r.out) ? undefined : 'no mariadb line') },
  { command: 'npm run stack:stop', skip: 'would stop the servers this suite runs on; npm test stops what it started with the same scripts' },
  { command: 'npm run stack:up', expect: exitsZero },
  {
    command: 'npm run demo',
    env: { ORDER_PORT: CLOSED_PORT, PAYMENT_PORT: CLOSED_PORT, INVENTORY_PORT: CLOSED_PORT, PROVIDER_SIM_PORT: CLOSED_PORT, DEMO_READY_TIMEOUT_MS: '500' },
    expect: (r) =>
      noMissingEnv(r) ??
      (/timed out waiting for order at http:\/\/127\.0\.0\.1:9 to be ready/.test(r.out) ? undefined : 'did not get as far as calling the services'),
  },
  {
    command: 'npm run bench',
    env: { BENCH_ROUNDS: '1', BENCH_SECONDS: '1', BENCH_CONNECTIONS: '4' },
    expect: (r) => noMissingEnv(r) ?? exitsZero(r),
  },
  {
    command: 'npm run load',
    // k6 is built from source on first use (minutes); the probe stops at the services' health check.
    env: { K6_BIN: '/bin/true', ORDER_URL: `http://127.0.0.1:${CLOSED_PORT}`, INVENTORY_URL: `http://127.0.0.1:${CLOSED_PORT}` },
    expect: (r) => noMissingEnv(r) ?? (/health\/ready does not answer 200/.test(r.out) ? undefined : 'did not reach the health check'),
  },
  {
    command: 'npm run reconcile -- <job>',
    run: 'npm run reconcile -- dead-letters',
    expect: (r) => noMissingEnv(r) ?? exitsZero(r) ?? (/"job_name"|"job"/.test(r.out) ? undefined : 'no evidence row printed'),
  },
  {
    command: 'npm run replay -- inventory-stock',
    run: 'npm run replay -- inventory-stock --tenant readme-probe',
    expect: (r) => noMissingEnv(r) ?? exitsZero(r),
  },
  {
    command: 'npm run replay -- order-lifecycle',
    run: `npm run replay -- order-lifecycle --from-time ${new Date().toISOString()}`,
    expect: (r) => noMissingEnv(r) ?? exitsZero(r),
  },
  { command: 'npm run schema:gate', expect: exitsZero },
  {
    command: 'npm run redis:acl',
    expect: (r) =>
      exitsZero(r) ??
      (/ACL SETUSER order_svc .*~sale:\{\*\}:meta/.test(r.out) ? (/redis-local-only/.test(r.out) ? 'a password was printed' : undefined) : 'no rules printed'),
  },
  {
    command: 'npm run kafka:acl',
    expect: (r) =>
      exitsZero(r) ??
      (/User:payment_svc\n {2}ALLOW READ +topic order\.order\.created\.v1/.test(r.out)
        ? /kafka-local-only/.test(r.out)
          ? 'a password was printed'
          : undefined
        : 'no grants printed'),
  },
  {
    command: 'STACK_TOPOLOGY=cluster npm run stack:status',
    expect: (r) => exitsZero(r) ?? (/topology cluster/.test(r.out) && /127\.0\.0\.1:7001/.test(r.out) ? undefined : 'no line of the cluster topology'),
  },
  {
    command: 'STACK_TOPOLOGY=cluster npm run stack:up',
    skip: 'starts a second set of servers (three JVMs among them); scripts/test/cluster-topology.int.test.ts checks them where they run',
  },
  { command: 'STACK_TOPOLOGY=cluster npm run stack:stop', skip: 'would stop cluster servers another run is using' },
  { command: 'STACK_TOPOLOGY=cluster npm test', skip: 'this is npm test, on the other topology' },
  { command: 'STACK_TOPOLOGY=cluster npm start', skip: 'runs the services in the foreground until Ctrl-C' },
  {
    command: "curl -H 'X-Tenant-Id: t1' localhost:3003/v1/sales",
    skip: 'asks the services npm start runs; services/inventory/test/public-sales.int.test.ts reads the same route',
  },
  {
    command: 'curl -H "Authorization: Bearer $TOKEN"',
    skip: 'asks the services npm start runs; services/order/test/my-orders.int.test.ts reads the same route',
  },
  {
    command: 'TOKEN=$(npm run token | tail -1)',
    run: 'TOKEN=$(npm run token | tail -1) && printf "%s" "$TOKEN"',
    expect: (r) => noMissingEnv(r) ?? exitsZero(r) ?? (/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/m.test(r.out) ? undefined : 'no token printed'),
  },
  { command: 'npm run chaos', skip: 'minutes of faults on servers of its own; tests/chaos/test/chaos.e2e.test.ts runs it with a fixed seed' },
  {
    command: 'CHAOS_SEED=2026 npm run chaos',
    skip: 'the chaos run with another seed; tests/chaos/test/fault-schedule.unit.test.ts checks a seed draws the same schedule',
  },
  { command: 'OTEL_', skip: 'tracing settings for npm start; tests/e2e/test/one-order-one-trace.e2e.test.ts runs the services with an OTLP endpoint' },
  { command: 'source infra/local/env.sh', skip: 'part of the block run as one below' },
  { command: 'cd services/order', skip: 'part of the block run as one below' },
];

/** `sh` blocks of the README, one command a line, comments dropped. */
function documentedCommands(): string[] {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const commands: string[] = [];
  for (const block of readme.matchAll(/```sh\n([\s\S]*?)```/g)) {
    for (const line of (block[1] ?? '').split('\n')) {
      const command = line.replace(/\s+#.*$/, '').trim();
      if (command && !command.startsWith('#')) commands.push(command);
    }
  }
  return commands;
}

function stranger(command: string, env: Record<string, string> = {}): Outcome {
  const result = spawnSync('bash', ['-c', command], {
    cwd: root,
    env: { HOME: process.env.HOME ?? '/root', PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', ...env },
    encoding: 'utf8',
    timeout: 240_000,
  });
  return { status: result.status, out: `${result.stdout}\n${result.stderr}` };
}

t.test('every command in the README has a probe here', async (t) => {
  for (const command of documentedCommands()) {
    t.ok(
      probes.some((probe) => command.startsWith(probe.command.replace(/ <.*$/, ''))),
      `README command has a probe: ${command}`,
    );
  }
});

// The probes run on the single stack, as a stranger's shell would. On the cluster pass of npm test
// it is down: the stack:up probe starts it for the probes after it, and it is stopped again once
// they are done, so the rest of the pass does not carry both stacks.
if (!/ up /.test(stranger('npm run stack:status').out)) t.teardown(() => void stranger('npm run stack:stop'));

for (const probe of probes) {
  if ('skip' in probe) continue;
  t.test(`${probe.command}: works from a fresh shell`, async (t) => {
    const result = stranger(probe.run ?? probe.command, probe.env);
    const problem = probe.expect(result);
    t.equal(problem, undefined, problem ? `${problem}:\n${result.out.slice(-3000)}` : 'ok');
  });
}

t.test('the package test loop of the README runs as written', async (t) => {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  const block = /```sh\nnpm run stack:up[^\n]*\n([\s\S]*?)```/.exec(readme)?.[1];
  t.ok(block, 'the README has the package test block');
  const lines = (block ?? '')
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter(Boolean);
  const result = stranger(lines.join(' && '));
  t.equal(result.status, 0, result.out.slice(-3000));
});

/** Source files a setting can be read from: service configs, scripts, the stack's shell files. */
function sources(dir: string): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name.startsWith('.')) continue;
    const path = `${dir}/${name}`;
    if (statSync(path).isDirectory()) found.push(...sources(path));
    else if (/\.(ts|sh|js|yml)$/.test(name) && !/\.test\.ts$/.test(name)) found.push(path);
  }
  return found;
}

t.test('every name in .env.example is read by something', async (t) => {
  const names = readFileSync(`${root}.env.example`, 'utf8')
    .split('\n')
    .map((line) => /^([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
    .filter((name): name is string => Boolean(name));
  const text = ['services', 'packages', 'scripts', 'infra', 'load-tests']
    .flatMap((dir) => sources(`${root}${dir}`))
    .map((file) => readFileSync(file, 'utf8'))
    .join('\n');
  for (const name of names) t.ok(new RegExp(`\\b${name}\\b`).test(text), `${name} is read`);
});
