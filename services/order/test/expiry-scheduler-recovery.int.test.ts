// The expiry sweep's BullMQ scheduler lives in Redis; when Redis loses it, it comes back by itself.
import { createLogger, createMetricsRegistry } from '@flash-sale/service-kit';
import { createTestRedis, waitFor } from '@flash-sale/testkit';
import t from 'tap';
import type { PaymentStatusReader } from '../src/infra/payment-status.client.ts';
import { startExpiryWorker } from '../src/workers/expiry.worker.ts';
import { orderHarness } from './support/order-harness.ts';

const logger = createLogger({ service: 'order', level: 'silent' });
const noPayments: PaymentStatusReader = {
  paymentsOf: async (_tenantId, orderIds) => new Map(orderIds.map((orderId) => [orderId, { orderId, state: 'none' as const, paymentId: null, paymentStatus: null }])),
};

t.test('the expiry scheduler wiped from Redis is re-created within seconds and the sweep runs again', async (t) => {
  const h = await orderHarness(t);
  const { redis, prefix } = await createTestRedis(t.teardown.bind(t));
  const connection = redis.duplicate({ maxRetriesPerRequest: null, enableAutoPipelining: false });
  t.teardown(() => connection.quit());
  const bullPrefix = `${prefix}bull`;
  const expiry = await startExpiryWorker({ connection, pool: h.db.pool, logger, metrics: createMetricsRegistry('order'), now: () => h.clock.now, payments: noPayments, everyMs: 200, prefix: bullPrefix, ensureEveryMs: 200 });
  t.teardown(() => expiry.close());
  let sweeps = 0;
  expiry.worker.on('completed', () => (sweeps += 1));
  await waitFor(() => sweeps > 0, { timeoutMs: 10_000, what: 'a first sweep' });

  // What FLUSHALL does to this queue, on the test's own prefix only.
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${bullPrefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  t.equal(await expiry.queue.getJobScheduler('expire-pending-orders'), undefined, 'the scheduler is gone');
  const before = sweeps;
  await waitFor(async () => (await expiry.queue.getJobScheduler('expire-pending-orders')) !== undefined, { timeoutMs: 5000, intervalMs: 50, what: 'the scheduler to come back' });
  await waitFor(() => sweeps > before, { timeoutMs: 10_000, what: 'a sweep after the wipe' });
  t.pass(`swept again after the wipe (${sweeps - before} sweeps)`);
});
