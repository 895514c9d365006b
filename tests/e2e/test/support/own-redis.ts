/**
 * A Redis of the test's own for its service processes, on the topology the environment names. The
 * services have no key prefix setting and BullMQ queues and rate-limit keys have fixed names, so a
 * test cannot share a Redis with anyone:
 * - single topology: a claimed logical database of the shared server, or, for a test that wipes
 *   Redis, a private redis-server (a FLUSHALL must never reach the shared one);
 * - cluster topology (`REDIS_CLUSTER_NODES` set, as `infra/local/env.sh` exports it): a Redis
 *   Cluster has only database 0, so every test starts a private cluster of three masters with a
 *   replica each, the shape of the shared one, so the order service can wait for a replica's
 *   acknowledgement of each reservation as it does on that topology (docs/adr/0009-redis-failover.md).
 */
import { createRedis } from '@flash-sale/service-kit';
import { clusterNodesOf, startRedisCluster } from '@flash-sale/testkit';
import { Cluster, Redis } from 'ioredis';
import { startPrivateRedis } from './private-redis.ts';
import { claimRedisDatabase } from './redis-database.ts';

export type Topology = 'single' | 'cluster';

export interface OwnRedis {
  topology: Topology;
  /** What each service process is given: `REDIS_URL`, and on cluster `REDIS_CLUSTER_NODES` and `REDIS_REPLICA_ACK_TIMEOUT_MS`. */
  env: Record<string, string>;
  /** A connection of the test's to it, to read what the services left there. */
  client: Redis | Cluster;
  /** Loses every key, as a crashed Redis without persistence would: FLUSHALL on the server, or on every master of the cluster. */
  wipe(): Promise<void>;
  /** Stops what was started (or frees the claimed database). */
  release(): Promise<void>;
}

/** The topology the environment names: cluster when `REDIS_CLUSTER_NODES` lists nodes. */
export function redisTopology(env: NodeJS.ProcessEnv = process.env): Topology {
  return clusterNodesOf(env).length > 0 ? 'cluster' : 'single';
}

/**
 * `sharedRedisUrl` is the shared single server (from `resolveServers`), used on single only.
 * `wipeable`: the test will call `wipe()`; on single that needs a private server instead of a
 * claimed database (a cluster is private either way).
 */
export async function ownRedis(sharedRedisUrl: string, options: { wipeable?: boolean } = {}, env: NodeJS.ProcessEnv = process.env): Promise<OwnRedis> {
  if (redisTopology(env) === 'cluster') {
    const servers = await startRedisCluster({ replicasPerMaster: 1 });
    const admin = createRedis({ REDIS_URL: servers.url, REDIS_CLUSTER_NODES: servers.nodes });
    if (!(admin instanceof Cluster)) throw new Error('a Redis Cluster target gave a single-server client');
    // A refused connect after the cluster stopped is expected; the wipe's commands report real failures.
    admin.on('error', () => undefined);
    return {
      topology: 'cluster',
      env: {
        REDIS_URL: servers.url,
        REDIS_CLUSTER_NODES: servers.nodes.join(','),
        // The cluster topology's value (infra/local/env.sh) unless the environment chose another.
        REDIS_REPLICA_ACK_TIMEOUT_MS: env.REDIS_REPLICA_ACK_TIMEOUT_MS ?? '100',
      },
      client: admin,
      async wipe() {
        // The client knows the masters only once it has read the slot map.
        if (admin.status !== 'ready')
          await new Promise<void>((resolve, reject) => admin.once('ready', resolve).once('end', () => reject(new Error('cluster client closed before ready'))));
        const masters = admin.nodes('master');
        if (masters.length === 0) throw new Error('the private cluster shows no master');
        // Replicas follow their master's FLUSHALL: every copy of every key is gone.
        await Promise.all(masters.map((master) => master.flushall()));
      },
      async release() {
        admin.disconnect();
        await servers.stop();
      },
    };
  }
  if (options.wipeable) {
    const server = await startPrivateRedis();
    return {
      topology: 'single',
      env: { REDIS_URL: server.url },
      client: server.client,
      wipe: async () => {
        await server.client.flushall();
      },
      release: () => server.stop(),
    };
  }
  const database = await claimRedisDatabase(sharedRedisUrl);
  const client = new Redis(database.url, { maxRetriesPerRequest: 3 });
  return {
    topology: 'single',
    env: { REDIS_URL: database.url },
    client,
    wipe: () => Promise.reject(new Error('a claimed database of the shared server is never wiped: ask ownRedis for { wipeable: true }')),
    async release() {
      client.disconnect();
      await database.release();
    },
  };
}
