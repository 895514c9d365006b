// The services' Redis users: one per service, with the keys, channels and commands its declaration
// (services/<service>/src/infra/redis-access.ts) names, and the password its <SERVICE>_REDIS_URL carries
// (infra/local/env.sh). The stack's preparation applies them to every node, replicas included (ACLs
// are not replicated), and saves them to each node's ACL file so a restarted node has them.
//   node scripts/stack/redis-users.ts --print   the ACL SETUSER lines, passwords left out
//   node scripts/stack/redis-users.ts           apply them (REDIS_URL: the default user's server)
import { Redis } from 'ioredis';
import { aclRules, redisCredentials, type RedisAccess } from '@flash-sale/service-kit';
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

/** Every node the stack runs: the cluster's nodes when REDIS_CLUSTER_NODES is set, else REDIS_URL's server. */
function nodeUrls(env: NodeJS.ProcessEnv): string[] {
  const server = env.REDIS_URL;
  if (!server) throw new Error('REDIS_URL must be set (source infra/local/env.sh)');
  const nodes = (env.REDIS_CLUSTER_NODES ?? '').split(',').map((node) => node.trim()).filter(Boolean);
  if (nodes.length === 0) return [server];
  // The nodes take the credentials and scheme of REDIS_URL, as the services' Cluster clients do.
  return nodes.map((node) => {
    const url = new URL(server);
    url.host = node;
    return url.toString();
  });
}

/** Applies every user to every node and saves it there; returns the number of nodes. */
export async function applyRedisUsers(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = () => undefined): Promise<number> {
  const users = redisUsers(env);
  const urls = nodeUrls(env);
  for (const url of urls) {
    const node = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableReadyCheck: false });
    try {
      await node.connect();
      for (const { user, rules } of users) await node.call('ACL', 'SETUSER', user, ...rules);
      try {
        await node.call('ACL', 'SAVE');
      } catch (error) {
        // A node started before it had an ACL file keeps the users until it restarts.
        log(`${new URL(url).host}: users applied but not saved (${error instanceof Error ? error.message : String(error)})`);
      }
    } finally {
      node.disconnect();
    }
  }
  return urls.length;
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
