/**
 * Flash-sale stock reservations in Redis: arm, reserve, release, commit and view, each one Lua
 * script, and a fenced, chunked rebuild (begin, stages, finish), over keys that share the sale's
 * hash tag. See `keys.ts` for the key layout.
 */
export {
  StockReservations,
  type ReserveRefusal,
  type ReserveResult,
  type ReserveIdempotency,
  type IdempotencyKeySeen,
  type SaleDefinition,
  type StockView,
  type RebuildOrder,
  type RebuildOptions,
  type RebuildOutcome,
  type OrderRecord,
  type StockReservationsOptions,
} from './stock-reservations.ts';
export { StockReservationError, type StockReservationErrorCode } from './errors.ts';
export type { ReplicaAckOptions } from './replica-ack.ts';
export { SoldOutHint, type SoldOutBuyers, type SoldOutHintOptions } from './sold-out-hint.ts';
export { saleKeys, saleKeyGrants, saleIdempotencyKey, rebuildKeys, stockReturnedChannel, type SaleKeys, type RebuildKeys } from './keys.ts';
export { SALE_REBUILD_QUEUE, type SaleRebuildRequest } from './rebuild-queue.ts';
export type { RedisClient } from './redis-client.ts';
