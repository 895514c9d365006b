/**
 * A Redis logical database of the test's own. The services take a `REDIS_URL` and no key prefix,
 * and BullMQ queues and rate-limit keys have fixed names, so isolation is by database index:
 * a test claims an index atomically (an empty one, or one a previous run of this kit left behind)
 * and flushes it when done. An index someone else has data in is never touched.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

const CLAIM_KEY = 'flash-sale:e2e:claim';
const USED_MARKER = 'flash-sale:e2e:used';
const CANDIDATES = [15, 14, 13, 12, 11, 10, 9, 8];

// KEYS[1] claim key, KEYS[2] marker left by this kit; ARGV[1] owner, ARGV[2] claim TTL in seconds.
// Returns 1 when the database was flushed and is now claimed by ARGV[1], else 0.
const CLAIM = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
if redis.call('DBSIZE') > 0 and redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
redis.call('FLUSHDB')
redis.call('SET', KEYS[2], '1')
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`;

// KEYS[1] claim key; ARGV[1] owner. Flushes only a database this owner still holds.
const RELEASE = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('FLUSHDB')
return 1`;

export interface ClaimedRedisDatabase {
  index: number;
  url: string;
  release(): Promise<void>;
}

export async function claimRedisDatabase(serverUrl: string, ttlSeconds = 600): Promise<ClaimedRedisDatabase> {
  const owner = randomUUID();
  for (const index of CANDIDATES) {
    const url = new URL(serverUrl);
    url.pathname = `/${index}`;
    const client = new Redis(url.toString(), { maxRetriesPerRequest: 3, lazyConnect: true });
    await client.connect();
    const claimed = (await client.eval(CLAIM, 2, CLAIM_KEY, USED_MARKER, owner, ttlSeconds)) === 1;
    if (!claimed) {
      client.disconnect();
      continue;
    }
    return {
      index,
      url: url.toString(),
      async release() {
        await client.eval(RELEASE, 1, CLAIM_KEY, owner);
        await client.quit();
      },
    };
  }
  throw new Error(`no free Redis database among ${CANDIDATES.join(', ')}`);
}
