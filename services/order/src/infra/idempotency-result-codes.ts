/**
 * The idempotency scripts' numeric return codes, named once here; `idempotency.store.ts` turns
 * them into typed outcomes. Keep in step with the `returns` headers of the .lua files in `lua/`.
 */
export const IdempotencyPeekCode = { Free: 1, OtherBody: 2, InFlight: 3, Completed: 4 } as const;

export const IdempotencyCompleteCode = { Stored: 1, NotOurs: 0 } as const;
