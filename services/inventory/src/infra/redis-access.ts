/**
 * What the inventory service may do in Redis (its ACL user; packages/service-kit/src/redis-access.ts):
 * arm and close sales, read their books, and commit or release the units of orders it hears about.
 * It takes no reservation: a buyer's units, Idempotency-Key records and the buyers set are the
 * order service's, so the reservation script is refused to it.
 */
import { rateLimitGrant, type RedisAccess } from '@flash-sale/service-kit';
import { rebuildKeys, saleKeyGrants, stockReturnedChannel } from '@flash-sale/stock-reservations';

export const inventoryRedisAccess: RedisAccess = {
  service: 'inventory',
  keys: [
    ...saleKeyGrants('meta', 'stock', 'orders', 'users', 'expiry'),
    { pattern: rebuildKeys('', '*').lock, why: 'a rebuild in progress (close waits for it)' },
    rateLimitGrant('inventory'),
  ],
  channels: [stockReturnedChannel('')],
  bullmq: false,
};
