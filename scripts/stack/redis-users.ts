// The services' Redis users: one per service, with the keys, channels and commands its declaration
// (services/<service>/src/infra/redis-access.ts) names, and the password its <SERVICE>_REDIS_URL carries
// (infra/local/env.sh). The stack's preparation applies them to every node, replicas included (ACLs
// are not replicated), and saves them to each node's ACL file so a restarted node has them.
//   node scripts/stack/redis-users.ts --print   the ACL SETUSER lines, passwords left out
//   node scripts/stack/redis-users.ts           apply them (REDIS_URL: the default user's server)
import { Cluster } from 'ioredis';
import { aclRules, createRedis, redisCredentials, type RedisAccess } from '@flash-sale/service-kit';
import { inventoryRedisAccess } from '../../services/inventory/src/infra/redis-access.ts';
import { orderRedisAccess } from '../../services/order/src/infra/redis-access.ts';
import { paymentRedisAccess } from '../../services/payment/src/infra/redis-access.ts';
import { reconcilerRedisAccess } from '../../services/reconciler/src/infra/redis-access.ts';

export const serviceRedisAccess: readonly RedisAccess[] = [orderRedisAccess, paymentRedisAccess, inventoryRedisAccess, reconcilerRedisAccess];

export interface RedisUser {
  access: RedisAccess;
  user: string;
  /** `ACL SETUSER` arguments after the user name. */
  rules: string[];
}

/** Each service whose <SERVICE>_REDIS_URL names a user and password; a service without one is left out. */
export function redisUsers(env: NodeJS.ProcessEnv = process.env): RedisUser[] {
  return serviceRedisAccess.flatMap((access) => {
    const url = env[`${access.service.toUpperCase()}_REDIS_URL`];
    const credentials = url ? redisCredentials(url) : undefined;
    return credentials ? [{ access, user: credentials.user, rules: aclRules(access, credentials.password) }] : [];
  });
}

/**
 * Applies every user to every node, replicas included, and saves it there; returns the number of
 * nodes. The nodes are those the client of `REDIS_URL` (and `REDIS_CLUSTER_NODES`) finds, as a
 * service's client would.
 */
export async function applyRedisUsers(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = () => undefined): Promise<number> {
  if (!env.REDIS_URL) throw new Error('REDIS_URL must be set (source infra/local/env.sh)');
  const users = redisUsers(env);
  const nodes = (env.REDIS_CLUSTER_NODES ?? '')
    .split(',')
    .map((node) => node.trim())
    .filter(Boolean);
  const client = createRedis({ REDIS_URL: env.REDIS_URL, REDIS_CLUSTER_NODES: nodes }, { maxRetriesPerRequest: 1 });
  try {
    if (client instanceof Cluster) await client.cluster('INFO'); // the slot map, and with it every node
    const servers = client instanceof Cluster ? client.nodes('all') : [client];
    for (const server of servers) {
      for (const { user, rules } of users) await server.call('ACL', 'SETUSER', user, ...rules);
      try {
        await server.call('ACL', 'SAVE');
      } catch (error) {
        // A node started before it had an ACL file keeps the users until it restarts.
        log(`${server.options.host}:${server.options.port}: users applied but not saved (${error instanceof Error ? error.message : String(error)})`);
      }
    }
    return servers.length;
  } finally {
    client.disconnect();
  }
}

/** The rules as an operator reviews them: one ACL SETUSER per service, the password left out. */
export function printableRules(users: readonly RedisUser[]): string {
  return users
    .map(({ access, user, rules }) => {
      const why = access.keys.map((grant) => `#   ${grant.pattern}: ${grant.why}`).join('\n');
      const shown = rules.map((rule) => (rule.startsWith('>') ? '>(password from the URL)' : rule));
      return `# ${access.service}\n${why}\nACL SETUSER ${user} ${shown.join(' ')}`;
    })
    .join('\n\n');
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  if (process.argv.includes('--print')) {
    console.log(printableRules(redisUsers()));
  } else {
    const nodes = await applyRedisUsers(process.env, (line) => console.error(`[redis-users] ${line}`));
    console.error(`[redis-users] ${redisUsers().length} users on ${nodes} node(s)`);
  }
}
