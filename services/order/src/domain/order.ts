import type { OrderStatus } from './order-status.ts';

export interface Order {
  id: string;
  tenantId: string;
  userId: string;
  saleId: string;
  skuId: string;
  quantity: number;
  unitPriceMinor: number;
  totalMinor: number;
  currency: string;
  status: OrderStatus;
  stockCommitted: boolean;
  paymentId: string | null;
  expiresAt: Date;
  createdAt: Date;
  updatedAt: Date;
}

export interface StatusChange {
  from: OrderStatus | null;
  to: OrderStatus;
  cause: string;
  sourceEventId: string | null;
  at: Date;
}

/** The public shape of an order; the same object is stored for Idempotency-Key replays. */
export function orderResource(order: Order) {
  return {
    id: order.id,
    status: order.status,
    sale_id: order.saleId,
    sku_id: order.skuId,
    quantity: order.quantity,
    unit_price_minor: order.unitPriceMinor,
    total_minor: order.totalMinor,
    currency: order.currency,
    expires_at: order.expiresAt.toISOString(),
    created_at: order.createdAt.toISOString(),
  };
}

export type OrderResource = ReturnType<typeof orderResource>;
