/**
 * PENDING orders well past `expires_at` (the order service's sweep missed them: its worker was
 * down, or its transaction failed): expire them as the sweep would (guarded transition, history,
 * `order.expired` in the order outbox), then give their stock back at once rather than wait for
 * the inventory consumer, which later finds the work done.
 */
import { orderExpired, prepareEvent } from '@flash-sale/events';
import { withTransaction } from '@flash-sale/service-kit';
import type { RowDataPacket } from 'mysql2/promise';
import { writeOutboxIn } from '../infra/outbox.ts';
import { transitionOrder } from '../repairs/order-transition.ts';
import { returnStock } from '../repairs/return-stock.ts';
import { Tally, type JobDeps, type ReconciliationJob } from './job.ts';

interface Row extends RowDataPacket {
  id: string;
  tenant_id: string;
  sale_id: string;
  sku_id: string;
  quantity: number;
}

export const overduePendingJob: ReconciliationJob = {
  name: 'overdue-pending',
  description: 'PENDING orders past expires_at plus a grace period: expire them and release their stock',
  everyMs: 60_000,
  async run(deps: JobDeps) {
    const t = deps.tables;
    const tally = new Tally(deps.logger);
    const cutoff = new Date(deps.now().getTime() - deps.thresholds.expiryGraceMs);
    const [rows] = await deps.pool.query<Row[]>(
      `SELECT id, tenant_id, sale_id, sku_id, quantity FROM ${t.order('orders')} WHERE status = 'PENDING' AND expires_at <= ? ORDER BY expires_at LIMIT 1000`,
      [cutoff],
    );
    tally.checked = rows.length;
    for (const row of rows) {
      tally.found('pending_past_expiry', row.id);
      await tally.repair('pending_past_expiry', row.id, async () => {
        const expired = await withTransaction(deps.pool, async (tx) => {
          const at = deps.now();
          if (!(await transitionOrder(tx, t, { orderId: row.id, command: 'expire', cause: 'payment deadline passed and the expiry sweep missed it', now: at }))) return false;
          const payload = { order_id: row.id, sale_id: row.sale_id, sku_id: row.sku_id, quantity: Number(row.quantity) };
          await writeOutboxIn(tx, t.order('outbox'), [prepareEvent(orderExpired, payload, { source: 'reconciler', tenantId: row.tenant_id, correlationId: `expiry:${row.id}` }, at)]);
          return true;
        });
        if (!expired) return false;
        await returnStock(deps, { orderId: row.id, tenantId: row.tenant_id, saleId: row.sale_id, skuId: row.sku_id, quantity: Number(row.quantity) }, 'expired', true);
        return true;
      });
    }
    return tally.outcome();
  },
};
