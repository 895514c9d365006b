import { bullmqPrefix } from './clients.ts';
import { rateLimitNamespace } from './rate-limit.ts';

/**
 * What a service may do in Redis, declared next to the code that does it, and the Redis 7 ACL rules
 * that allow exactly that (`ACL SETUSER <user> <rules…>`). The stack's preparation applies them to
 * every node (scripts/stack/redis-users.ts); `npm run redis:acl` prints them for review.
 *
 * Key patterns are Redis globs over the full key. Lua scripts run as the calling user: a script
 * reaching a key outside the user's patterns is refused (NOPERM) like a direct command, and Redis
 * counts every key passed to a script as read and written, so a grant is always read-write.
 */
export interface RedisKeyGrant {
  pattern: string;
  /** What the service keeps there (shown by `npm run redis:acl`). */
  why: string;
}

export interface RedisAccess {
  service: string;
  keys: readonly RedisKeyGrant[];
  /**
   * Pub/sub channels it publishes or subscribes to. A script that publishes does so after its
   * writes, so a missing channel would fail a call whose writes already happened.
   */
  channels: readonly string[];
  /** Whether it runs BullMQ queues or workers: they keep their events in a stream. */
  bullmq: boolean;
}

/**
 * Every service user gets the data commands and scripting, minus everything Redis files as
 * dangerous or administrative (FLUSHALL, KEYS, CONFIG, ACL, MONITOR, DEBUG, SHUTDOWN, CLIENT KILL,
 * …), plus the few of those a client needs: INFO (ioredis's ready check; BullMQ refuses to start
 * without it), a Cluster client's slot map and ready check, connection names (BullMQ names its
 * connections), and WAIT with the slot lookup of a reservation's replica acknowledgement
 * (docs/adr/0009-redis-failover.md).
 */
const BASE_COMMANDS = [
  '-@all',
  '+@read',
  '+@write',
  '+@string',
  '+@hash',
  '+@list',
  '+@set',
  '+@sortedset',
  '+@keyspace',
  '+@scripting',
  '+@transaction',
  '+@connection',
  '+@pubsub',
  '+@blocking',
  '-@dangerous',
  '-@admin',
  '+info',
  '+client|setname',
  '+client|getname',
  '+client|id',
  '+cluster|slots',
  '+cluster|shards',
  '+cluster|info',
  '+cluster|keyslot',
  '+wait',
] as const;

/** BullMQ's scripts keep each queue's events in a stream (XADD, XTRIM). */
const BULLMQ_COMMANDS = ['+@stream'] as const;

/** A service's address and caller budgets (`RateLimiter`). */
export const rateLimitGrant = (service: string): RedisKeyGrant => ({
  pattern: `${rateLimitNamespace(service)}*`,
  why: 'request budgets per caller and address',
});

/** Every key of one BullMQ queue (its own hash tag, `bullmqPrefix`). */
export const bullmqQueueGrant = (queue: string, why: string): RedisKeyGrant => ({ pattern: `${bullmqPrefix(queue)}:*`, why });

/** The rules after `ACL SETUSER <user>`: reset first, so applying them again gives the same user. */
export function aclRules(access: RedisAccess, password: string): string[] {
  if (!password) throw new Error(`the Redis user of ${access.service} needs a password`);
  return [
    'reset',
    'on',
    `>${password}`,
    ...access.keys.map((grant) => `~${grant.pattern}`),
    'resetchannels',
    ...access.channels.map((channel) => `&${channel}`),
    ...BASE_COMMANDS,
    ...(access.bullmq ? BULLMQ_COMMANDS : []),
  ];
}

/** The user name and password a `redis://user:password@host:port` URL carries, if it has both. */
export function redisCredentials(url: string): { user: string; password: string } | undefined {
  const parsed = new URL(url);
  if (!parsed.username || !parsed.password) return undefined;
  return { user: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) };
}
