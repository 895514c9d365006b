/**
 * What a provider event does to a payment, decided from state alone (no I/O, no clock): a
 * transition, a refusal with a stable code that the inbox and the history record, or nothing at
 * all when the payment already holds exactly the outcome the event reports (the same fact under
 * another event id, e.g. the webhook arriving after a status poll applied its result).
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
  | { kind: 'refuse'; code: RefusalCode; attempted: PaymentStatus; detail: string }
  | { kind: 'duplicate'; detail: string };

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

export function decideProviderEvent(event: ProviderEvent, payment: PaymentState, order: OrderState): Decision {
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
  if (reportsCurrentOutcome(event, payment)) {
    return { kind: 'duplicate', detail: `${event.type} for a payment already ${payment.status}` };
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

/**
 * A success with the transaction the payment completed with, or a failure of a failed payment.
 * (A refund event is not matched: the refund it reports is checked where refunds are closed.)
 */
function reportsCurrentOutcome(event: ProviderEvent, payment: PaymentState): boolean {
  switch (event.type) {
    case 'payment.succeeded':
      return payment.status === 'COMPLETED' && payment.transactionId === event.data.transaction_id;
    case 'payment.failed':
      return payment.status === 'FAILED';
    case 'refund.succeeded':
      return false;
  }
}
