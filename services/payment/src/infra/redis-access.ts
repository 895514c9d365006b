/**
 * What the payment service may do in Redis (its ACL user; packages/service-kit/src/redis-access.ts):
 * its callers' request budgets and nothing else. Its state is in its database.
 */
import { rateLimitGrant, type RedisAccess } from '@flash-sale/service-kit';

export const paymentRedisAccess: RedisAccess = {
  service: 'payment',
  keys: [rateLimitGrant('payment')],
  channels: [],
  bullmq: false,
};
