/**
 * The servers of one chaos run (MariaDB, Redis, one KRaft Kafka broker), started by the local
 * stack's own scripts (infra/local/*.sh) on free ports with their data under a temporary folder,
 * so the faults a run injects never touch the servers other work uses. Each server runs under the
 * pid file its script writes; a fault signals that pid and a restart runs the script again, which
 * starts from the same data, as after a crash.
 */
import { spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { freePort } from '@flash-sale/testkit';

export const SERVERS = ['mariadb', 'redis', 'kafka'] as const;
export type ServerName = (typeof SERVERS)[number];

// Addresses infra/local/env.sh derives from the ports; a value inherited from the caller (npm test
// exports the shared stack's) would win over the private ports, so they are dropped first.
const DERIVED_VARIABLES = [
  'MYSQL_URL', 'MYSQL_ADMIN_URL', 'REDIS_URL', 'REDIS_CLUSTER_NODES', 'KAFKA_BROKERS', 'KAFKA_TOPIC_PREFIX', 'KAFKA_GROUP_ID_PREFIX',
  'ORDER_MYSQL_URL', 'PAYMENT_MYSQL_URL', 'INVENTORY_MYSQL_URL', 'RECONCILER_MYSQL_URL',
  'ORDER_MYSQL_ADMIN_URL', 'PAYMENT_MYSQL_ADMIN_URL', 'INVENTORY_MYSQL_ADMIN_URL', 'RECONCILER_MYSQL_ADMIN_URL',
  'RECONCILER_ORDER_MYSQL_URL', 'RECONCILER_PAYMENT_MYSQL_URL', 'RECONCILER_INVENTORY_MYSQL_URL',
  'ORDER_PORT', 'PAYMENT_PORT', 'INVENTORY_PORT', 'RECONCILER_PORT', 'PROVIDER_SIM_PORT',
  'ORDER_URL', 'INVENTORY_URL', 'PAYMENT_PROVIDER_URL', 'PROVIDER_WEBHOOK_URL', 'PROVIDER_PUBLIC_URL',
  'STACK_ENV_TOPOLOGY', 'PORT',
];

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end, collecting its output; never throws on a non-zero exit. */
export function runCommand(command: string, args: readonly string[], options: { cwd: string; env: NodeJS.ProcessEnv; onStderr?: (text: string) => void }): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      options.onStderr?.(chunk.toString());
    });
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
  });
}

export interface PrivateStack {
  /** Every setting of infra/local/env.sh, resolved for this stack's ports and folder. */
  env: Record<string, string>;
  start(server: ServerName): Promise<void>;
  pid(server: ServerName): Promise<number | undefined>;
  signal(server: ServerName, signal: NodeJS.Signals): Promise<number | undefined>;
  stopAll(): Promise<void>;
}

export async function createPrivateStack(options: { repoRoot: string; dataDir: string; log: (line: string) => void }): Promise<PrivateStack> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of DERIVED_VARIABLES) delete base[name];
  Object.assign(base, {
    STACK_TOPOLOGY: 'single',
    STACK_DATA_DIR: options.dataDir,
    MYSQL_PORT: String(await freePort()),
    REDIS_PORT: String(await freePort()),
    KAFKA_PORT: String(await freePort()),
    KAFKA_CONTROLLER_PORT: String(await freePort()),
    ORDER_PORT: String(await freePort()),
    PAYMENT_PORT: String(await freePort()),
    INVENTORY_PORT: String(await freePort()),
    RECONCILER_PORT: String(await freePort()),
    PROVIDER_SIM_PORT: String(await freePort()),
    // MariaDB's temporary tables (mariadb-install-db's among them) under the run's folder, where no
    // other process clears them away mid-install as can happen in a shared /tmp.
    TMPDIR: `${options.dataDir}/tmp`,
    // One broker of a short run: a smaller heap than the shared stack's leaves the cores' memory to the services.
    KAFKA_HEAP: process.env.CHAOS_KAFKA_HEAP ?? '-Xms128m -Xmx512m',
  });
  await mkdir(`${options.dataDir}/tmp`, { recursive: true });
  const resolved = await runCommand('bash', ['-c', 'source infra/local/env.sh && env -0'], { cwd: options.repoRoot, env: base });
  if (resolved.code !== 0) throw new Error(`infra/local/env.sh failed: ${resolved.stderr}`);
  const env: Record<string, string> = {};
  for (const entry of resolved.stdout.split('\0')) {
    const equals = entry.indexOf('=');
    if (equals > 0) env[entry.slice(0, equals)] = entry.slice(equals + 1);
  }

  const pid = async (server: ServerName): Promise<number | undefined> => {
    try {
      const value = Number((await readFile(`${options.dataDir}/${server}.pid`, 'utf8')).trim());
      return Number.isInteger(value) && value > 0 ? value : undefined;
    } catch {
      return undefined;
    }
  };
  const script = (server: ServerName, action: 'start' | 'stop') =>
    runCommand('bash', [`infra/local/${server}.sh`, action], { cwd: options.repoRoot, env, onStderr: (text) => text.trimEnd().split('\n').forEach((line) => options.log(line)) });

  return {
    env,
    pid,
    async start(server) {
      const result = await script(server, 'start');
      if (result.code !== 0) throw new Error(`infra/local/${server}.sh start exited ${result.code}`);
    },
    async signal(server, signal) {
      const serverPid = await pid(server);
      if (serverPid === undefined) return undefined;
      try {
        process.kill(serverPid, signal);
        return serverPid;
      } catch {
        return undefined;
      }
    },
    async stopAll() {
      // A paused server would not hear the stop; a dead one leaves only its pid file.
      for (const server of SERVERS) {
        const serverPid = await pid(server);
        if (serverPid !== undefined) {
          try {
            process.kill(serverPid, 'SIGCONT');
          } catch {
            // already gone
          }
        }
      }
      for (const server of [...SERVERS].reverse()) await script(server, 'stop');
    },
  };
}
