// The request budgets of service-kit's RateLimiter against the real Redis (own key prefix): what is
// decided in the process, what reaches Redis, and how far two processes can drift from a budget.
import { RateLimiter } from '@flash-sale/service-kit';
import { createTestRedis, waitFor } from '@flash-sale/testkit';
import t from 'tap';

const until = (condition: () => Promise<boolean>, what: string) => waitFor(condition, { timeoutMs: 2000, intervalMs: 5, what });

t.test('requests well inside a budget are admitted without a Redis round trip each, and reach the shared count in one batch', async (t) => {
  const { redis, prefix } = await createTestRedis(t.teardown.bind(t));
  const limiter = new RateLimiter({ redis, service: 'order', keyPrefix: prefix, flushMs: 50 });
  t.teardown(() => limiter.close());
  const budget = { max: 100, windowMs: 60_000 };
  const decisions = [];
  for (let i = 0; i < 10; i += 1) decisions.push(await limiter.take('principal', 'calm', budget));
  t.ok(decisions.every((decision) => decision.allowed));
  t.same(
    decisions.map((decision) => decision.remaining),
    [99, 98, 97, 96, 95, 94, 93, 92, 91, 90],
  );
  t.equal(await redis.get(`${prefix}rate:order:principal:calm`), null, 'no request waited for Redis');
  await until(async () => (await redis.get(`${prefix}rate:order:principal:calm`)) === '10', 'the batch to reach Redis');
  const ttl = await redis.pttl(`${prefix}rate:order:principal:calm`);
  t.ok(ttl > 0 && ttl <= 60_000, 'the shared window has its expiry');
});

t.test('one process holds a budget exactly: of 100 concurrent requests against a budget of 30, 30 are admitted', async (t) => {
  const { redis, prefix } = await createTestRedis(t.teardown.bind(t));
  const limiter = new RateLimiter({ redis, service: 'order', keyPrefix: prefix });
  t.teardown(() => limiter.close());
  const budget = { max: 30, windowMs: 60_000 };
  const decisions = await Promise.all(Array.from({ length: 100 }, () => limiter.take('principal', 'greedy', budget)));
  t.equal(decisions.filter((decision) => decision.allowed).length, 30);
  const later = await limiter.take('principal', 'greedy', budget);
  t.equal(later.allowed, false, 'a spent budget stays spent for the window');
  t.ok(later.resetMs > 0 && later.resetMs <= 60_000);
});

t.test('two processes sharing one Redis admit at most the budget plus half of it, then refuse everywhere', async (t) => {
  const { redis, prefix } = await createTestRedis(t.teardown.bind(t));
  const first = new RateLimiter({ redis, service: 'order', keyPrefix: prefix, flushMs: 20 });
  const second = new RateLimiter({ redis, service: 'order', keyPrefix: prefix, flushMs: 20 });
  t.teardown(() => Promise.all([first.close(), second.close()]));
  const budget = { max: 40, windowMs: 60_000 };
  let admitted = 0;
  for (let i = 0; i < 200; i += 1) if ((await (i % 2 === 0 ? first : second).take('principal', 'spread', budget)).allowed) admitted += 1;
  t.ok(admitted >= 40 && admitted <= 60, `admitted ${admitted} of a budget of 40 (tolerance: + 1 × localShare × 40)`);
  await until(async () => Number(await redis.get(`${prefix}rate:order:principal:spread`)) >= admitted, 'every admitted request to reach Redis');
  const after = await Promise.all([first.take('principal', 'spread', budget), second.take('principal', 'spread', budget)]);
  t.same(
    after.map((decision) => decision.allowed),
    [false, false],
  );
});

t.test('a localShare of 0 asks Redis for every request, as a budget shared by many processes may need', async (t) => {
  const { redis, prefix } = await createTestRedis(t.teardown.bind(t));
  const limiter = new RateLimiter({ redis, service: 'order', keyPrefix: prefix, localShare: 0 });
  t.teardown(() => limiter.close());
  await limiter.take('address', 'strict', { max: 5, windowMs: 60_000 });
  t.equal(await redis.get(`${prefix}rate:order:address:strict`), '1');
});
