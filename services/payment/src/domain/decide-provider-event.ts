/**
 * What a provider event does to a payment, decided from state alone (no I/O, no clock): a
 * transition, or a refusal with a stable code that the inbox and the history record.
 */
import { canTransition, type PaymentStatus } from './payment-state-machine.ts';
import type { ProviderEvent } from './provider-event.ts';

export interface PaymentState {
  status: PaymentStatus;
  amountMinor: number;
  currency: string;
  transactionId: string | null;
}

export interface OrderState {
  status: 'PENDING' | 'CANCELLED' | 'EXPIRED';
  totalMinor: number;
  currency: string;
}

export type RefusalCode = 'ILLEGAL_TRANSITION' | 'AMOUNT_MISMATCH';

export type Decision =
  | { kind: 'transition'; to: PaymentStatus; cause: string; refundOrder: boolean }
  | { kind: 'refuse'; code: RefusalCode; attempted: PaymentStatus; detail: string };

const targetOf = (event: ProviderEvent): PaymentStatus => {
  switch (event.type) {
    case 'payment.succeeded':
      return 'COMPLETED';
    case 'payment.failed':
      return 'FAILED';
    case 'refund.succeeded':
      return 'REFUNDED';
  }
};

export function decideProviderEvent(
  event: ProviderEvent,
  payment: PaymentState,
  order: OrderState,
): Decision {
  const attempted = targetOf(event);
  const { amount_minor: amount, currency } = event.data;
  // The order is the authority on what is owed; the payment row copied it when it was opened.
  if (amount !== order.totalMinor || currency !== order.currency || amount !== payment.amountMinor || currency !== payment.currency) {
    return {
      kind: 'refuse',
      code: 'AMOUNT_MISMATCH',
      attempted,
      detail: `provider reported ${amount} ${currency}, order is ${order.totalMinor} ${order.currency}`,
    };
  }
  if (!canTransition(payment.status, attempted)) {
    return { kind: 'refuse', code: 'ILLEGAL_TRANSITION', attempted, detail: `${event.type} for a ${payment.status} payment` };
  }
  if (attempted === 'COMPLETED') {
    // Money for an order that is no longer alive must go back: the refund is part of the decision.
    const refundOrder = order.status === 'EXPIRED' || order.status === 'CANCELLED';
    return { kind: 'transition', to: 'COMPLETED', cause: 'provider.payment.succeeded', refundOrder };
  }
  return { kind: 'transition', to: attempted, cause: `provider.${event.type}`, refundOrder: false };
}
