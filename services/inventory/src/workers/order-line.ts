/** The inventory service's own view of the order events it consumes: see `inventory.contract.ts`. */
export type { OrderLineView, OrderRefundedView } from './inventory.contract.ts';

export const SOURCE = 'inventory';
