/**
 * Status changes requested over HTTP: a shopper cancelling a pending order, ops moving a
 * confirmed order through fulfilment. Each is one transaction: guarded update, history row and,
 * where other services must react, an outbox event.
 */
import { orderCancelled, prepareEvent, writeOutbox } from '@flash-sale/events';
import { withTransaction } from '@flash-sale/service-kit';
import type { Pool } from 'mysql2/promise';
import type { Order } from '../domain/order.ts';
import type { OrderCommand } from '../domain/order-status.ts';
import { findOrder, findOwnedOrder, transitionOrder } from '../infra/order.repository.ts';
import { illegalTransition, orderNotFound } from './order-errors.ts';

export interface Caller {
  tenantId: string;
  userId: string;
  correlationId: string;
  traceId?: string;
}

/** Returns the order as it stands after the cancellation. */
export async function cancelOrder(pool: Pool, now: () => Date, caller: Caller, orderId: string, reason: string): Promise<Order> {
  return withTransaction(pool, async (tx) => {
    const order = await findOwnedOrder(tx, orderId, caller.tenantId, caller.userId);
    if (!order) throw orderNotFound(orderId);
    const at = now();
    const result = await transitionOrder(tx, { orderId, command: 'cancel', cause: `cancelled by owner: ${reason}`, now: at });
    if (!result.ok) throw illegalTransition(orderId, result.current ?? order.status, 'cancel');
    await writeOutbox(tx, [
      prepareEvent(
        orderCancelled,
        { order_id: order.id, sale_id: order.saleId, sku_id: order.skuId, quantity: order.quantity, reason },
        { source: 'order-service', tenantId: order.tenantId, correlationId: caller.correlationId, ...(caller.traceId ? { traceId: caller.traceId } : {}) },
        at,
      ),
    ]);
    return { ...order, status: 'CANCELLED', updatedAt: at };
  });
}

/** Fulfilment by ops, within the caller's tenant. */
export async function fulfilOrder(
  pool: Pool,
  now: () => Date,
  tenantId: string,
  orderId: string,
  command: Extract<OrderCommand, 'ship' | 'deliver'>,
): Promise<void> {
  await withTransaction(pool, async (tx) => {
    const order = await findOrder(tx, orderId);
    if (!order || order.tenantId !== tenantId) throw orderNotFound(orderId);
    const result = await transitionOrder(tx, { orderId, command, cause: `${command === 'ship' ? 'shipped' : 'delivered'} (ops)`, now: now() });
    if (!result.ok) throw illegalTransition(orderId, result.current ?? order.status, command);
  });
}
