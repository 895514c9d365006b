/** Where a sale stands for a shopper: upcoming, live, sold out or ended. Pure, no I/O. */
export const PUBLIC_SALE_STATUSES = ['upcoming', 'live', 'sold-out', 'ended'] as const;
export type PublicSaleStatus = (typeof PUBLIC_SALE_STATUSES)[number];

/** Where a sale stands at `nowMs`: pure, so the whole lifecycle is tested without waiting. */
export function publicSaleStatus(sale: { startsAtMs: number; endsAtMs: number; ended: boolean }, remaining: number, nowMs: number): PublicSaleStatus {
  if (sale.ended || nowMs >= sale.endsAtMs) return 'ended';
  if (nowMs < sale.startsAtMs) return 'upcoming';
  return remaining > 0 ? 'live' : 'sold-out';
}
