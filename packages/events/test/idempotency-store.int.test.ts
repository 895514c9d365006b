import t from 'tap';
import { createTestRedis } from '@flash-sale/testkit';
import { RedisIdempotencyKeyStore } from '../src/index.ts';

const { redis, prefix } = await createTestRedis(t.teardown.bind(t));
const store = new RedisIdempotencyKeyStore(redis, prefix);

t.test('put then has; keys expire with their TTL', async (t) => {
  t.equal(await store.has('event-1'), false);
  await store.put('event-1', 60);
  t.equal(await store.has('event-1'), true);
  const ttl = await redis.ttl(`${prefix}event-1`);
  t.ok(ttl > 0 && ttl <= 60, `ttl ${ttl}`);
});

t.test('claim is atomic: of concurrent claims exactly one wins', async (t) => {
  const results = await Promise.all(Array.from({ length: 10 }, () => store.claim('event-2', 60)));
  t.equal(results.filter(Boolean).length, 1);
  t.equal(await store.has('event-2'), true);
});

t.test('a TTL must be a positive whole number of seconds', async (t) => {
  await t.rejects(store.put('event-3', 0), RangeError);
  await t.rejects(store.put('event-3', 1.5), RangeError);
});
