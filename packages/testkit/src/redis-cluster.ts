/**
 * A real Redis Cluster for tests. `startRedisCluster` spawns nodes of Debian's `redis-server`
 * (three masters by default, optionally a replica or more each; cluster-enabled, no persistence,
 * data in a temporary directory, free ports), forms them with `redis-cli --cluster create` and
 * waits until every node reports `cluster_state:ok` and every replica is in sync.
 * `createTestRedisCluster` gives a test a cluster client and a uuid key prefix: on the cluster
 * named by `REDIS_CLUSTER_NODES` when it is set (the cluster topology of `infra/local`), else on
 * one started for this process and stopped when it exits.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis } from 'ioredis';
import { clusterNodesOf, prefixedTestRedis, type Teardown, type TestRedis } from './isolation.ts';
import { waitFor } from './wait-for.ts';

export interface RedisClusterServers {
  /** `host:port` of every node, as `REDIS_CLUSTER_NODES` lists them. */
  nodes: string[];
  /** The process of each node by its `host:port`, for a test that kills or pauses one. */
  pids: Record<string, number>;
  /** A URL of one node, for what reads credentials from `REDIS_URL` (none here). */
  url: string;
  stop(): Promise<void>;
}

// A cluster node also listens on its port + 10000 (the cluster bus), so both must be free.
const BUS_PORT_OFFSET = 10_000;

function portIsFree(port: number): Promise<boolean> {
  // Not events.once: it rejects on 'error', and a taken port is an answer here, not a failure.
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.once('listening', () => server.close(() => resolve(true)));
    server.listen(port, '127.0.0.1');
  });
}

async function freeNodePort(taken: Set<number>): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const port = 20_000 + Math.floor(Math.random() * 35_000);
    if (taken.has(port) || taken.has(port + BUS_PORT_OFFSET)) continue;
    if ((await portIsFree(port)) && (await portIsFree(port + BUS_PORT_OFFSET))) {
      taken.add(port);
      taken.add(port + BUS_PORT_OFFSET);
      return port;
    }
  }
  throw new Error('no free port pair for a Redis Cluster node');
}

const clusterState = async (port: number): Promise<string> => {
  const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await client.connect();
    const info = await client.cluster('INFO');
    return /cluster_state:(\w+)/.exec(String(info))?.[1] ?? 'unknown';
  } catch {
    return 'down';
  } finally {
    client.disconnect();
  }
};

export interface RedisClusterOptions {
  /** Masters (default 3). */
  masters?: number;
  /** Replicas of each master (default 0): with one, a killed master fails over to its replica. */
  replicasPerMaster?: number;
  /** How long a node may be silent before the others count it failed (default 5,000 ms, as infra/local). */
  nodeTimeoutMs?: number;
}

/** `replica` when the node is a replica whose link to its master is up, `master`, or `other` (a replica still syncing, or no answer). */
const replicationState = async (port: number): Promise<'master' | 'replica' | 'other'> => {
  const client = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  try {
    await client.connect();
    const info = String(await client.info('replication'));
    if (info.includes('role:master')) return 'master';
    return info.includes('master_link_status:up') ? 'replica' : 'other';
  } catch {
    return 'other';
  } finally {
    client.disconnect();
  }
};

/** Starts cluster-enabled Redis servers (3 masters by default) and forms them into one cluster. */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisClusterServers> {
  // Ports are chosen free and bound by the servers a moment later: on a busy machine another process
  // can take one in between (that node never answers). A failed start stops its nodes, so the next
  // attempt, on fresh ports, starts clean.
  const failures: string[] = [];
  for (let attempt = 1; attempt <= START_ATTEMPTS; attempt += 1) {
    try {
      return await startRedisClusterOnce(options);
    } catch (error) {
      failures.push(error instanceof Error ? error.message : String(error));
    }
  }
  throw new Error(`a Redis Cluster did not start in ${START_ATTEMPTS} attempts: ${failures.join('; ')}`);
}

const START_ATTEMPTS = 3;

async function startRedisClusterOnce(options: RedisClusterOptions): Promise<RedisClusterServers> {
  const masters = options.masters ?? 3;
  const replicasPerMaster = options.replicasPerMaster ?? 0;
  const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
  const taken = new Set<number>();
  const ports: number[] = [];
  for (let i = 0; i < masters * (1 + replicasPerMaster); i += 1) ports.push(await freeNodePort(taken));
  const children: ChildProcess[] = ports.map((port) =>
    spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        String(options.nodeTimeoutMs ?? 5000),
        // A replica's first sync starts at once instead of after Redis's default 5 s wait for more replicas.
        '--repl-diskless-sync-delay',
        '0',
        '--save',
        '',
        '--appendonly',
        'no',
        '--logfile',
        `redis-${port}.log`,
      ],
      { stdio: 'ignore' },
    ),
  );
  // The servers must not keep the test process alive; the exit hook below stops them.
  for (const child of children) child.unref();
  let stopped = false;
  const killNow = () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  // A test that fails or is killed before its teardown still leaves no server behind.
  process.once('exit', killNow);
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.off('exit', killNow);
    await Promise.all(
      children.map(async (child) => {
        // A node a test killed has exited already: its exit event will not come again.
        if (child.exitCode !== null || child.signalCode !== null) return;
        // Referenced again, so the process waits for the exit it asked for.
        child.ref();
        const exited = once(child, 'exit');
        child.kill('SIGTERM');
        await exited;
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      await waitFor(async () => (await clusterState(port)) !== 'down', { what: `redis-server on ${port}`, timeoutMs: 10_000, intervalMs: 50 });
    }
    const nodes = ports.map((port) => `127.0.0.1:${port}`);
    // These nodes have no password: the stack's (REDISCLI_AUTH, when infra/local/env.sh was sourced) would be refused.
    const { REDISCLI_AUTH: _stackPassword, ...withoutPassword } = process.env;
    await promisify(execFile)('redis-cli', ['--cluster', 'create', ...nodes, '--cluster-replicas', String(replicasPerMaster), '--cluster-yes'], {
      env: withoutPassword,
    });
    for (const port of ports) {
      await waitFor(async () => (await clusterState(port)) === 'ok', { what: `cluster_state:ok on ${port}`, timeoutMs: 20_000, intervalMs: 100 });
    }
    // A replica that has not synced yet cannot take over: a test failing a master over would fail instead.
    // Right after the create a node meant to be a replica may still call itself a master: wait until
    // every replica is one and has synced, not merely until no node is mid-sync.
    const replicas = masters * replicasPerMaster;
    await waitFor(async () => (await Promise.all(ports.map(replicationState))).filter((state) => state === 'replica').length === replicas, {
      what: `${replicas} replicas in sync`,
      timeoutMs: 30_000,
      intervalMs: 100,
    });
    const pids = Object.fromEntries(nodes.map((node, i) => [node, children[i]?.pid ?? 0]));
    return { nodes, pids, url: `redis://${nodes[0]}`, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface TestRedisCluster extends Omit<TestRedis, 'url' | 'redis' | 'target'> {
  /** A cluster client (auto-pipelined, reads from masters), as `createRedis` makes one. */
  redis: Cluster;
  /** What a process's config would hold: `REDIS_URL` and `REDIS_CLUSTER_NODES`. */
  target: { REDIS_URL: string; REDIS_CLUSTER_NODES: string[] };
  /** True when the cluster came from `REDIS_CLUSTER_NODES`, not started by this process. */
  shared: boolean;
}

let started: Promise<RedisClusterServers> | undefined;

/** The cluster of `REDIS_CLUSTER_NODES`, or one started once per process (stopped at exit). */
async function clusterServers(env: NodeJS.ProcessEnv): Promise<{ nodes: string[]; url: string; shared: boolean }> {
  const fromEnv = clusterNodesOf(env);
  if (fromEnv.length > 0) return { nodes: fromEnv, url: env.REDIS_URL ?? `redis://${fromEnv[0]}`, shared: true };
  started ??= startRedisCluster();
  const servers = await started;
  return { nodes: servers.nodes, url: servers.url, shared: false };
}

/**
 * A cluster client and a uuid key prefix for one test, on a cluster whatever the topology (a test
 * of cluster behaviour runs on the single topology too). The teardown deletes the test's keys.
 */
export async function createTestRedisCluster(teardown: Teardown, env: NodeJS.ProcessEnv = process.env): Promise<TestRedisCluster> {
  const servers = await clusterServers(env);
  const target = { REDIS_URL: servers.url, REDIS_CLUSTER_NODES: servers.nodes };
  const { redis, ...rest } = await prefixedTestRedis(teardown, target);
  if (!(redis instanceof Cluster)) throw new Error('a Redis Cluster target gave a single-server client');
  return { ...rest, redis, target, shared: servers.shared };
}
