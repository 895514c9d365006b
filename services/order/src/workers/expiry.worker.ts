/**
 * Durable, scheduled expiry: a BullMQ job scheduler (registered idempotently, so every replica
 * may call this) runs the sweep every few seconds; one replica takes each run. Redis key-expiry
 * notifications are never used: they are lost while a process is disconnected. The scheduler
 * itself lives in Redis, so a local timer checks that it still exists and re-creates it when Redis
 * lost it (a flush, a failover to an empty replica).
 */
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { PeriodicTask, bullmqPrefix, type Logger } from '@flash-sale/service-kit';
import type { Pool } from 'mysql2/promise';
import { Counter, type Registry } from 'prom-client';
import { expireDueOrders } from '../application/expire-orders.ts';
import type { PaymentStatusReader } from '../infra/payment-status.client.ts';

export const EXPIRY_QUEUE = 'order-expiry';
const SCHEDULER_ID = 'expire-pending-orders';

export interface ExpiryWorkerOptions {
  connection: ConnectionOptions;
  pool: Pool;
  logger: Logger;
  metrics: Registry;
  now: () => Date;
  /** Asked before any order is expired (a COMPLETED or in-flight payment keeps it). */
  payments: PaymentStatusReader;
  everyMs: number;
  /** BullMQ key prefix (tests isolate their queues with it); default `bullmqPrefix(EXPIRY_QUEUE)`, hash-tagged for a cluster. */
  prefix?: string;
  /** How often the scheduler is checked and re-created when missing (default 5 s). */
  ensureEveryMs?: number;
}

export async function startExpiryWorker(options: ExpiryWorkerOptions): Promise<{ queue: Queue; worker: Worker; close: () => Promise<void> }> {
  const expiredTotal = new Counter({ name: 'order_expired_total', help: 'Orders expired by the sweep', registers: [options.metrics] });
  const prefix = options.prefix ?? bullmqPrefix(EXPIRY_QUEUE);
  const queue = new Queue(EXPIRY_QUEUE, { connection: options.connection, prefix });
  const upsert = () =>
    queue.upsertJobScheduler(SCHEDULER_ID, { every: options.everyMs }, { name: 'sweep', opts: { removeOnComplete: 100, removeOnFail: 500 } });
  await upsert();
  const guard = new PeriodicTask(
    'expiry-scheduler-guard',
    async () => {
      if (await queue.getJobScheduler(SCHEDULER_ID)) return;
      await upsert();
      options.logger.warn({ scheduler: SCHEDULER_ID }, 'expiry scheduler was missing from Redis; re-created');
    },
    options.logger,
  );
  guard.start(options.ensureEveryMs ?? 5000);
  const worker = new Worker(
    EXPIRY_QUEUE,
    async () => {
      const run = await expireDueOrders({
        pool: options.pool,
        now: options.now,
        payments: options.payments,
        onUnverified: (tenantId, orderIds, error) =>
          options.logger.warn(
            { err: error, tenant_id: tenantId, orders: orderIds.length },
            'payment service did not answer; these orders are not expired this round',
          ),
      });
      if (run.expired + run.paid + run.postponed > 0) options.logger.info(run, 'expired unpaid orders');
      expiredTotal.inc(run.expired);
      return run;
    },
    { connection: options.connection, prefix, concurrency: 1 },
  );
  worker.on('failed', (job, error) => options.logger.error({ err: error, job: job?.id }, 'expiry sweep failed'));
  return {
    queue,
    worker,
    close: async () => {
      await guard.stop();
      await worker.close();
      await queue.close();
    },
  };
}
