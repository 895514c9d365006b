import { assertTenant } from '@flash-sale/events';
import type { PoolConnection } from 'mysql2/promise';
import { findOrder } from '../infra/order.repository.ts';

/** The order, locked, once the event's tenant is known to own it; null when there is no such order. */
export async function lockOwnedOrder(tx: PoolConnection, event: { metadata: { tenant_id: string } }, orderId: string) {
  const order = await findOrder(tx, orderId, { forUpdate: true });
  if (order) assertTenant(event, { kind: 'order', id: order.id, tenantId: order.tenantId });
  return order;
}
