/**
 * The payment state machine (docs/recovery-contracts.md, payment flow), as data: PENDING -> COMPLETED | FAILED,
 * COMPLETED -> REFUNDED. The database write is guarded with the same table, so a transition the
 * machine refuses is also refused by the UPDATE itself.
 */
export const paymentStatuses = ['PENDING', 'COMPLETED', 'FAILED', 'REFUNDED'] as const;
export type PaymentStatus = (typeof paymentStatuses)[number];

const transitions: Record<PaymentStatus, readonly PaymentStatus[]> = {
  PENDING: ['COMPLETED', 'FAILED'],
  COMPLETED: ['REFUNDED'],
  FAILED: [],
  REFUNDED: [],
};

export const canTransition = (from: PaymentStatus, to: PaymentStatus): boolean => transitions[from].includes(to);

/** Every status `to` may be reached from: the `WHERE status IN (…)` of the guarded UPDATE. */
export const sourcesOf = (to: PaymentStatus): PaymentStatus[] => paymentStatuses.filter((from) => transitions[from].includes(to));

export const isPaymentStatus = (value: string): value is PaymentStatus => (paymentStatuses as readonly string[]).includes(value);
