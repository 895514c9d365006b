/**
 * Redis took the units and MySQL has no order (docs/consistency.md, "orphan-holds"). The order
 * path releases the hold when its MySQL write fails; when even that release fails, the hold stays
 * with no order behind it.
 * A hold taken longer ago than the grace period (taken at = expiry - hold TTL) whose order MySQL
 * does not know is released. Only holds: a committed order is never touched (release refuses it).
 */
import type { RowDataPacket } from 'mysql2/promise';
import { armedSales } from '../sale-books.ts';
import { selectIn } from '../../infra/service-databases.ts';
import { Tally, type JobDeps, type ReconciliationJob } from './job.ts';

export const orphanHoldsJob: ReconciliationJob = {
  name: 'orphan-holds',
  description: 'Redis holds with no MySQL order after a grace period: release them',
  everyMs: 60_000,
  async run(deps: JobDeps) {
    const tally = new Tally(deps.logger);
    const nowMs = deps.now().getTime();
    for (const sale of await armedSales(deps.databases.inventory)) {
      const takenBefore = nowMs - deps.thresholds.orphanHoldGraceMs;
      const candidates = await deps.reservations.expiredHolds(sale.saleId, takenBefore + sale.holdTtlMs, 1000);
      tally.checked += candidates.length;
      if (candidates.length === 0) continue;
      const known = await selectIn<RowDataPacket>(deps.databases.order, 'SELECT id FROM orders WHERE id IN (?)', candidates);
      const existing = new Set(known.map((row) => String(row.id)));
      for (const orderId of candidates) {
        if (existing.has(orderId)) continue;
        tally.found('orphan_hold', orderId);
        await tally.repair('orphan_hold', orderId, async () => {
          const released = await deps.reservations.release({ saleId: sale.saleId, orderId, reason: 'reconciler:orphan' });
          return released.released;
        });
      }
    }
    return tally.outcome();
  },
};
