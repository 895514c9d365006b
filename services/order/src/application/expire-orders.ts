/**
 * Expiry of unpaid orders: each PENDING order past `expires_at` becomes EXPIRED under the guarded
 * update, with its history row and an `order.expired` event (the inventory service returns the
 * stock). Running it twice, or on two replicas at once, expires each order once: the second
 * guarded update affects no row.
 */
import { orderExpired, prepareEvent, writeOutbox } from '@flash-sale/events';
import { withTransaction } from '@flash-sale/service-kit';
import type { Pool } from 'mysql2/promise';
import { findExpiredPending, findOrder, transitionOrder } from '../infra/order.repository.ts';

export interface ExpiryRun {
  checked: number;
  expired: number;
}

export async function expireDueOrders(pool: Pool, now: () => Date, limit = 500): Promise<ExpiryRun> {
  const due = await findExpiredPending(pool, now(), limit);
  let expired = 0;
  for (const orderId of due) {
    const changed = await withTransaction(pool, async (tx) => {
      const at = now();
      const result = await transitionOrder(tx, { orderId, command: 'expire', cause: 'payment deadline passed', now: at });
      if (!result.ok) return false;
      const order = await findOrder(tx, orderId);
      if (!order) return false;
      await writeOutbox(tx, [
        prepareEvent(
          orderExpired,
          { order_id: order.id, sale_id: order.saleId, sku_id: order.skuId, quantity: order.quantity },
          { source: 'order-service', tenantId: order.tenantId, correlationId: `expiry:${order.id}` },
          at,
        ),
      ]);
      return true;
    });
    if (changed) expired += 1;
  }
  return { checked: due.length, expired };
}
