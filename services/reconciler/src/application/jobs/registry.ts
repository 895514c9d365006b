/** Every reconciliation job by name: the scheduler, the CLI and the ops endpoint share this list. */
import { deadLettersJob } from './dead-letters.job.ts';
import type { ReconciliationJob } from './job.ts';
import { orderBooksJob } from './order-books.job.ts';
import { orphanHoldsJob } from './orphan-holds.job.ts';
import { overduePendingJob } from './overdue-pending.job.ts';
import { paidOrderPendingJob } from './paid-order-pending.job.ts';
import { paidUnconfirmableJob } from './paid-unconfirmable.job.ts';
import { redisRebuildJob } from './redis-rebuild.job.ts';
import { stockDriftJob } from './stock-drift.job.ts';
import { stuckOutboxJob } from './stuck-outbox.job.ts';
import { unreturnedStockJob } from './unreturned-stock.job.ts';

export const jobs: readonly ReconciliationJob[] = [
  paidOrderPendingJob,
  stuckOutboxJob,
  stockDriftJob,
  overduePendingJob,
  orphanHoldsJob,
  unreturnedStockJob,
  deadLettersJob,
  redisRebuildJob,
  orderBooksJob,
  paidUnconfirmableJob,
];

export const jobNames = jobs.map((job) => job.name);

export function findJob(name: string): ReconciliationJob | undefined {
  return jobs.find((job) => job.name === name);
}
