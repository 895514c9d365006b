/**
 * The scripts' numeric return codes, named once here; `stock-reservations.ts` turns them into
 * typed results and errors. Keep in step with the `Returns` headers of the .lua files.
 */
export const ReserveCode = {
  Reserved: 1,
  Replayed: 2,
  SaleNotFound: -1,
  SaleNotOpen: -2,
  SaleEnded: -3,
  SoldOut: -4,
  PerUserLimit: -5,
  InsufficientStock: -6,
  OrderReleased: -7,
  InvalidArgument: -8,
  IdempotencyKeyMismatch: -9,
  IdempotencyKeyInFlight: -10,
  IdempotencyKeyCompleted: -11,
} as const;

export const ArmCode = { Armed: 1, AlreadyArmed: 0, InvalidArgument: -8 } as const;

export const ReleaseCode = {
  ReleasedHold: 1,
  ReleasedCommitted: 2,
  AlreadyReleased: 0,
  UnknownOrder: -1,
  CommittedNotReleasable: -2,
} as const;

export const CommitCode = { Committed: 1, AlreadyCommitted: 0, UnknownOrder: -1, OrderReleased: -2 } as const;

export const RebuildBeginCode = { Begun: 1, Busy: 0, InvalidArgument: -8 } as const;

export const RebuildCode = { Rebuilt: 1, InvalidArgument: -8, Oversubscribed: -9, LockLost: -10 } as const;

export const CloseCode = { Closed: 1, AlreadyClosed: 0, NotArmed: -1, Rebuilding: -2, InvalidArgument: -8 } as const;

export const SoldOutBuyersCode = { NotSoldOut: 0, Unchanged: 1, TooMany: 2, Listed: 3 } as const;
