/**
 * What the order service may do in Redis (its ACL user; packages/service-kit/src/redis-access.ts):
 * reserve and release a sale's units with their Idempotency-Key records and buyers, listen for
 * returned stock, run its expiry queue, and ask the reconciler for a sale's rebuild. It never
 * touches a rebuild's staging keys or the reconciler's queue.
 */
import { bullmqQueueGrant, rateLimitGrant, type RedisAccess } from '@flash-sale/service-kit';
import { SALE_REBUILD_QUEUE, saleIdempotencyKey, saleKeyGrants, stockReturnedChannel } from '@flash-sale/stock-reservations';
import { EXPIRY_QUEUE } from '../workers/expiry.worker.ts';

export const orderRedisAccess: RedisAccess = {
  service: 'order',
  keys: [
    ...saleKeyGrants('meta', 'stock', 'orders', 'users', 'expiry', 'buyers'),
    { pattern: saleIdempotencyKey('', '*', '*'), why: 'Idempotency-Key records, claimed with the units' },
    rateLimitGrant('order'),
    bullmqQueueGrant(EXPIRY_QUEUE, 'expires unpaid orders'),
    bullmqQueueGrant(SALE_REBUILD_QUEUE, 'asks the reconciler to rebuild a sale Redis lost (producer only)'),
  ],
  channels: [stockReturnedChannel('')],
  bullmq: true,
};
