/** The inventory service's own view of the order events it consumes: only the fields it uses. */
export interface OrderLineView {
  order_id: string;
  sale_id: string;
  sku_id: string;
  quantity: number;
}

export interface OrderRefundedView extends OrderLineView {
  payment_id: string;
  restock: boolean;
}

export const SOURCE = 'inventory';
