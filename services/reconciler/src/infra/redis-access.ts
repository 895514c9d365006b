/**
 * What the reconciler may do in Redis (its ACL user; packages/service-kit/src/redis-access.ts):
 * read and repair a sale's books, rebuild a sale through its staging keys, and run the
 * reconciliation and sale-rebuild queues (bull-board works on the same two). Buyers' Idempotency-Key
 * records and the buyers set stay the order service's.
 */
import { bullmqQueueGrant, rateLimitGrant, type RedisAccess } from '@flash-sale/service-kit';
import { SALE_REBUILD_QUEUE, rebuildKeys, saleKeyGrants, stockReturnedChannel } from '@flash-sale/stock-reservations';
import { RECONCILIATION_QUEUE } from '../workers/reconciliation.scheduler.ts';

const rebuild = rebuildKeys('', '*');

export const reconcilerRedisAccess: RedisAccess = {
  service: 'reconciler',
  keys: [
    ...saleKeyGrants('meta', 'stock', 'orders', 'users', 'expiry'),
    { pattern: rebuild.lock, why: 'the fencing token of a rebuild' },
    ...[rebuild.priorMeta, rebuild.orders, rebuild.users, rebuild.expiry, rebuild.counts].map((pattern) => ({ pattern, why: "a rebuild's staging" })),
    rateLimitGrant('reconciler'),
    bullmqQueueGrant(RECONCILIATION_QUEUE, 'scheduled reconciliation runs'),
    bullmqQueueGrant(SALE_REBUILD_QUEUE, 'rebuilds the order service asks for'),
  ],
  channels: [stockReturnedChannel('')],
  bullmq: true,
};
