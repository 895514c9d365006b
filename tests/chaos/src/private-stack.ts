/**
 * The servers of one chaos run, started by the local stack's own scripts (infra/local/*.sh) on free
 * ports with their data under a temporary folder, so the faults a run injects never touch the
 * servers other work uses. Single topology: one MariaDB, one Redis, one KRaft broker. Cluster
 * topology: six Redis Cluster nodes, three brokers and one MariaDB server per service, each node a
 * fault target of its own. Each node runs under the pid file its script writes; a fault signals
 * that pid, and a restart runs its group's script again, which starts only the nodes that do not
 * answer, from the same data, as after a crash.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { freePort } from '@flash-sale/testkit';

export type Topology = 'single' | 'cluster';
/** The servers one script starts: a node's restart runs its group's script. */
export type ServerGroup = 'mariadb' | 'redis' | 'kafka';
export const SERVER_GROUPS: readonly ServerGroup[] = ['mariadb', 'redis', 'kafka'];

export interface ServerNode {
  /** The fault target's name: `redis` on single; `redis-1`…`redis-6`, `kafka-1`…, `mariadb-order`… on cluster. */
  name: string;
  group: ServerGroup;
  /** The name of its pid file under the data folder, as its script writes it. */
  pidName: string;
  /** Every port it listens on (clients, and the cluster bus or the controller): what a partition drops. */
  ports: number[];
}

/** The servers a topology runs, by name: the fault targets among the servers. */
export function serverNames(topology: Topology): string[] {
  return topology === 'single'
    ? ['mariadb', 'redis', 'kafka']
    : [
        ...SERVICES_WITH_A_DATABASE.map((service) => `mariadb-${service}`),
        ...[1, 2, 3, 4, 5, 6].map((n) => `redis-${n}`),
        ...[1, 2, 3].map((n) => `kafka-${n}`),
      ];
}

// Addresses infra/local/env.sh derives from the ports; a value inherited from the caller (npm test
// exports the shared stack's) would win over the private ports, so they are dropped first.
const DERIVED_VARIABLES = [
  'MYSQL_URL',
  'MYSQL_ADMIN_URL',
  'REDIS_URL',
  'REDIS_CLUSTER_NODES',
  'KAFKA_BROKERS',
  'KAFKA_TOPIC_PREFIX',
  'KAFKA_GROUP_ID_PREFIX',
  'ORDER_MYSQL_URL',
  'PAYMENT_MYSQL_URL',
  'INVENTORY_MYSQL_URL',
  'RECONCILER_MYSQL_URL',
  'ORDER_MYSQL_ADMIN_URL',
  'PAYMENT_MYSQL_ADMIN_URL',
  'INVENTORY_MYSQL_ADMIN_URL',
  'RECONCILER_MYSQL_ADMIN_URL',
  'RECONCILER_ORDER_MYSQL_URL',
  'RECONCILER_PAYMENT_MYSQL_URL',
  'RECONCILER_INVENTORY_MYSQL_URL',
  'ORDER_REDIS_URL',
  'PAYMENT_REDIS_URL',
  'INVENTORY_REDIS_URL',
  'RECONCILER_REDIS_URL',
  'ORDER_PORT',
  'PAYMENT_PORT',
  'INVENTORY_PORT',
  'RECONCILER_PORT',
  'PROVIDER_SIM_PORT',
  'ORDER_URL',
  'INVENTORY_URL',
  'PAYMENT_URL',
  'PAYMENT_PROVIDER_URL',
  'PROVIDER_WEBHOOK_URL',
  'PROVIDER_PUBLIC_URL',
  'STACK_ENV_TOPOLOGY',
  'PORT',
  'REDIS_REPLICA_ACK_TIMEOUT_MS',
  'REDIS_CLUSTER_BASE_PORT',
  'KAFKA_CLUSTER_BASE_PORT',
  'KAFKA_CLUSTER_CONTROLLER_BASE_PORT',
  'ORDER_MYSQL_PORT',
  'PAYMENT_MYSQL_PORT',
  'INVENTORY_MYSQL_PORT',
  'RECONCILER_MYSQL_PORT',
];
const SERVICES_WITH_A_DATABASE = ['order', 'payment', 'inventory', 'reconciler'] as const;

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end, collecting its output; never throws on a non-zero exit. */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; onStderr?: (text: string) => void; timeoutMs?: number },
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.timeoutMs ? { timeout: options.timeoutMs, killSignal: 'SIGKILL' } : {}),
    });
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

async function portIsFree(port: number): Promise<boolean> {
  const server = createServer();
  server.listen(port, '127.0.0.1');
  try {
    await Promise.race([once(server, 'listening'), once(server, 'error').then(([error]) => Promise.reject(error as Error))]);
  } catch {
    return false;
  }
  server.close();
  await once(server, 'close');
  return true;
}

/** A base port with `count` free ports from it, each also free at every offset given (a Redis node's bus is port + 10000). */
async function freeRange(count: number, offsets: readonly number[] = [0]): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 20_000);
    let free = true;
    for (let index = 0; index < count && free; index += 1) {
      for (const offset of offsets) if (!(await portIsFree(base + index + offset))) free = false;
    }
    if (free) return base;
  }
  throw new Error(`no ${count} free ports in a row`);
}

export interface PrivateStack {
  topology: Topology;
  /** Every setting of infra/local/env.sh, resolved for this stack's ports and folder. */
  env: Record<string, string>;
  nodes: readonly ServerNode[];
  node(name: string): ServerNode;
  /** Runs a group's script: starts every node of it that does not answer and waits for the group. */
  start(group: ServerGroup): Promise<void>;
  pid(node: ServerNode): Promise<number | undefined>;
  signal(node: ServerNode, signal: NodeJS.Signals): Promise<number | undefined>;
  stopAll(): Promise<void>;
}

export async function createPrivateStack(options: {
  repoRoot: string;
  dataDir: string;
  topology: Topology;
  log: (line: string) => void;
}): Promise<PrivateStack> {
  const { topology } = options;
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const name of DERIVED_VARIABLES) delete base[name];
  Object.assign(base, {
    STACK_TOPOLOGY: topology,
    STACK_DATA_DIR: options.dataDir,
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
  if (topology === 'single') {
    Object.assign(base, {
      MYSQL_PORT: String(await freePort()),
      REDIS_PORT: String(await freePort()),
      KAFKA_PORT: String(await freePort()),
      KAFKA_CONTROLLER_PORT: String(await freePort()),
    });
  } else {
    Object.assign(base, {
      REDIS_CLUSTER_BASE_PORT: String(await freeRange(6, [0, 10_000])),
      KAFKA_CLUSTER_BASE_PORT: String(await freeRange(3)),
      KAFKA_CLUSTER_CONTROLLER_BASE_PORT: String(await freeRange(3)),
      ORDER_MYSQL_PORT: String(await freePort()),
      PAYMENT_MYSQL_PORT: String(await freePort()),
      INVENTORY_MYSQL_PORT: String(await freePort()),
      RECONCILER_MYSQL_PORT: String(await freePort()),
    });
  }
  await mkdir(`${options.dataDir}/tmp`, { recursive: true });
  const resolved = await runCommand('bash', ['-c', 'source infra/local/env.sh && env -0'], { cwd: options.repoRoot, env: base });
  if (resolved.code !== 0) throw new Error(`infra/local/env.sh failed: ${resolved.stderr}`);
  const env: Record<string, string> = {};
  for (const entry of resolved.stdout.split('\0')) {
    const equals = entry.indexOf('=');
    if (equals > 0) env[entry.slice(0, equals)] = entry.slice(equals + 1);
  }
  const port = (variable: string) => Number(env[variable]);

  const nodes: ServerNode[] =
    topology === 'single'
      ? [
          { name: 'mariadb', group: 'mariadb', pidName: 'mariadb', ports: [port('MYSQL_PORT')] },
          { name: 'redis', group: 'redis', pidName: 'redis', ports: [port('REDIS_PORT')] },
          { name: 'kafka', group: 'kafka', pidName: 'kafka', ports: [port('KAFKA_PORT'), port('KAFKA_CONTROLLER_PORT')] },
        ]
      : [
          ...SERVICES_WITH_A_DATABASE.map((service): ServerNode => ({
            name: `mariadb-${service}`,
            group: 'mariadb',
            pidName: `mariadb-cluster-${service}`,
            ports: [port(`${service.toUpperCase()}_MYSQL_PORT`)],
          })),
          ...[0, 1, 2, 3, 4, 5].map((index): ServerNode => {
            const nodePort = port('REDIS_CLUSTER_BASE_PORT') + index;
            return { name: `redis-${index + 1}`, group: 'redis', pidName: `redis-cluster-${nodePort}`, ports: [nodePort, nodePort + 10_000] };
          }),
          ...[1, 2, 3].map((n): ServerNode => ({
            name: `kafka-${n}`,
            group: 'kafka',
            pidName: `kafka-cluster-${n}`,
            ports: [port('KAFKA_CLUSTER_BASE_PORT') + n - 1, port('KAFKA_CLUSTER_CONTROLLER_BASE_PORT') + n - 1],
          })),
        ];
  const scriptOf = (group: ServerGroup) => `infra/local/${group}${topology === 'cluster' ? '-cluster' : ''}.sh`;

  const pid = async (node: ServerNode): Promise<number | undefined> => {
    try {
      const value = Number((await readFile(`${options.dataDir}/${node.pidName}.pid`, 'utf8')).trim());
      return Number.isInteger(value) && value > 0 ? value : undefined;
    } catch {
      return undefined;
    }
  };
  const script = (group: ServerGroup, action: 'start' | 'stop') =>
    runCommand('bash', [scriptOf(group), action], {
      cwd: options.repoRoot,
      env,
      onStderr: (text) =>
        text
          .trimEnd()
          .split('\n')
          .forEach((line) => options.log(line)),
    });
  const signal = async (node: ServerNode, name: NodeJS.Signals) => {
    const nodePid = await pid(node);
    if (nodePid === undefined) return undefined;
    try {
      process.kill(nodePid, name);
      return nodePid;
    } catch {
      return undefined;
    }
  };

  return {
    topology,
    env,
    nodes,
    node(name) {
      const found = nodes.find((node) => node.name === name);
      if (!found) throw new Error(`no server ${name}`);
      return found;
    },
    pid,
    signal,
    async start(group) {
      const result = await script(group, 'start');
      if (result.code !== 0) throw new Error(`${scriptOf(group)} start exited ${result.code}`);
    },
    async stopAll() {
      // A paused server would not hear the stop; a dead one leaves only its pid file.
      for (const node of nodes) await signal(node, 'SIGCONT');
      for (const group of [...SERVER_GROUPS].reverse()) await script(group, 'stop');
    },
  };
}
