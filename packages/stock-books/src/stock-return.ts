/**
 * How an order's committed units come back to the inventory books, whoever returns them: the
 * inventory service's `order.cancelled`, `order.expired` and `order.refunded` handlers, or the
 * reconciler when those events never arrived (docs/consistency.md, "unreturned-stock").
 */
export type ReturnReason = 'cancelled' | 'expired' | 'refunded';

export interface StockReturn {
  /** Where the reservation goes from `committed`. */
  reservation: 'released' | 'refunded';
  /** The `inventory_audit` operation that records it. */
  operation: 'release' | 'refund';
}

/** A refund is recorded as one (its units may stay sold, docs/refunds.md); a cancellation or expiry releases. */
export const stockReturnFor = (reason: ReturnReason): StockReturn =>
  reason === 'refunded' ? { reservation: 'refunded', operation: 'refund' } : { reservation: 'released', operation: 'release' };

/** The signed change to `skus.stock`: the units, unless a refund after shipment keeps them sold. */
export const stockDeltaOf = (quantity: number, restock: boolean): number => (restock ? quantity : 0);
