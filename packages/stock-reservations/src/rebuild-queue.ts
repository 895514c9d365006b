/**
 * The BullMQ queue on which a process that finds an armed, live sale without its Redis keys asks
 * for a rebuild (the order service does, on a SALE_NOT_FOUND that MySQL contradicts); the
 * reconciler works it. Named here so both sides agree without importing each other. Jobs carry
 * the sale id as their job id, so concurrent asks for one sale collapse into one job.
 */
export const SALE_REBUILD_QUEUE = 'sale-rebuild';

export interface SaleRebuildRequest {
  sale_id: string;
  tenant_id: string;
  /** Who asked, for the logs: a service name. */
  requested_by: string;
}
