/**
 * Raised when a script refuses an operation that a correct caller never asks for (as opposed to
 * the expected refusals of `reserve`, which are results). `code` is stable for callers to branch on.
 */
export type StockReservationErrorCode =
  | 'INVALID_ARGUMENT'
  | 'ORDER_RELEASED'
  | 'ORDER_NOT_FOUND'
  | 'ORDER_COMMITTED'
  | 'OVERSUBSCRIBED'
  | 'REBUILD_IN_PROGRESS'
  | 'REBUILD_LOCK_LOST'
  | 'REPLICA_ACK_TIMEOUT'
  | 'UNEXPECTED_REPLY';

export class StockReservationError extends Error {
  readonly code: StockReservationErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: StockReservationErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'StockReservationError';
    this.code = code;
    this.details = details;
  }
}
