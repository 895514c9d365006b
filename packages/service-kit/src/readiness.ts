import type { MysqlPool, RedisClient } from './clients.ts';
import type { ReadinessCheck } from './health.ts';

/** Ready means the service's own schema answers, not just the server: migrations must have run. */
export const mysqlReadiness = (pool: MysqlPool): ReadinessCheck => ({
  name: 'mysql',
  check: async () => {
    await pool.query('SELECT 1 FROM schema_migrations LIMIT 1');
  },
});

export const redisReadiness = (redis: RedisClient): ReadinessCheck => ({
  name: 'redis',
  check: async () => {
    await redis.ping();
  },
});
