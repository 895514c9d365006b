/**
 * Flash-sale stock reservations in Redis: arm, reserve, release, commit, view and rebuild, each one
 * Lua script over keys that share the sale's hash tag. See `keys.ts` for the key layout.
 */
export {
  StockReservations,
  type ReserveRefusal,
  type ReserveResult,
  type SaleDefinition,
  type StockView,
  type RebuildOrder,
  type StockReservationsOptions,
} from './stock-reservations.ts';
export { StockReservationError, type StockReservationErrorCode } from './errors.ts';
export { SoldOutHint } from './sold-out-hint.ts';
export { saleKeys, stockReturnedChannel, type SaleKeys } from './keys.ts';
