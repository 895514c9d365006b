import { createTestRedisCluster } from '@flash-sale/testkit';
import t from 'tap';
import { RedisIdempotencyKeyStore } from '../src/index.ts';

t.test('on a Redis Cluster, keys in every slot are put, found and claimed once each', async (t) => {
  const { redis, prefix } = await createTestRedisCluster(t.teardown.bind(t));
  const store = new RedisIdempotencyKeyStore(redis, prefix);
  const events = Array.from({ length: 30 }, (_, i) => `event-${i}`);
  const slots = new Set(await Promise.all(events.map((event) => redis.cluster('KEYSLOT', `${prefix}${event}`))));
  t.ok(slots.size > 20, 'the keys lie in many slots');
  await Promise.all(events.map((event) => store.put(event, 60)));
  t.same(
    await Promise.all(events.map((event) => store.has(event))),
    events.map(() => true),
  );
  const claims = await Promise.all(events.flatMap((event) => [store.claim(`${event}:c`, 60), store.claim(`${event}:c`, 60)]));
  t.equal(claims.filter(Boolean).length, events.length, 'of two concurrent claims of a key, one wins');
});
