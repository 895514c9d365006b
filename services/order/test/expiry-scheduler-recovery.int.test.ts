// The expiry sweep's BullMQ scheduler lives in Redis; when Redis loses it, it comes back by itself.
import { bullmqPrefix, createLogger, createMetricsRegistry, createRedis } from '@flash-sale/service-kit';
import { createTestRedis, deleteMatchingKeys, waitFor } from '@flash-sale/testkit';
import t from 'tap';
import type { PaymentStatusReader } from '../src/infra/payment-status.client.ts';
import { EXPIRY_QUEUE, startExpiryWorker } from '../src/workers/expiry.worker.ts';
import { orderHarness } from './support/order-harness.ts';

const logger = createLogger({ service: 'order', level: 'silent' });
const noPayments: PaymentStatusReader = {
  paymentsOf: async (_tenantId, orderIds) =>
    new Map(orderIds.map((orderId) => [orderId, { orderId, state: 'none' as const, paymentId: null, paymentStatus: null }])),
};

t.test('the expiry scheduler wiped from Redis is re-created within seconds and the sweep runs again', async (t) => {
  const h = await orderHarness(t);
  const { redis, target, prefix } = await createTestRedis(t.teardown.bind(t));
  // BullMQ's own connection: no auto-pipelining, blocking commands never time out.
  const connection = createRedis(target, { maxRetriesPerRequest: null, enableAutoPipelining: false });
  t.teardown(() => connection.quit());
  const bullPrefix = bullmqPrefix(EXPIRY_QUEUE, prefix);
  const expiry = await startExpiryWorker({
    connection,
    pool: h.db.pool,
    logger,
    metrics: createMetricsRegistry('order'),
    now: () => h.clock.now,
    payments: noPayments,
    everyMs: 200,
    prefix: bullPrefix,
    ensureEveryMs: 200,
  });
  t.teardown(() => expiry.close());
  let sweeps = 0;
  expiry.worker.on('completed', () => (sweeps += 1));
  await waitFor(() => sweeps > 0, { timeoutMs: 10_000, what: 'a first sweep' });

  // What FLUSHALL does to this queue, on the test's own prefix only.
  await deleteMatchingKeys(redis, `${bullPrefix}:*`);
  t.equal(await expiry.queue.getJobScheduler('expire-pending-orders'), undefined, 'the scheduler is gone');
  const before = sweeps;
  await waitFor(async () => (await expiry.queue.getJobScheduler('expire-pending-orders')) !== undefined, {
    timeoutMs: 5000,
    intervalMs: 50,
    what: 'the scheduler to come back',
  });
  await waitFor(() => sweeps > before, { timeoutMs: 10_000, what: 'a sweep after the wipe' });
  t.pass(`swept again after the wipe (${sweeps - before} sweeps)`);
});
