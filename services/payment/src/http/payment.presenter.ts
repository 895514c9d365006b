import type { z } from 'zod';
import type { HistoryRow, Payment } from '../infra/payment.repository.ts';
import type { Refund } from '../infra/refund.repository.ts';
import type { opsPaymentWithHistory, opsRefund, shopperPayment, shopperPaymentWithHistory, shopperRefund } from './payment.schemas.ts';

/**
 * Two views of a payment. The shopper sees what they need to pay and to follow their payment;
 * ops see everything, including who asked for a refund and the provider's own words. A provider's
 * failure text and an operator's identity are not the shopper's business, and provider text can
 * carry internal detail (gateway names, rule ids, masked card data).
 */

/** What a shopper is told about a failure: that it failed, not the provider's words. */
export const SHOPPER_FAILURE_REASON = 'PAYMENT_FAILED' as const;

/** The shopper's view: amounts, status, where to pay, timestamps. */
export const presentPaymentToShopper = (payment: Payment): z.output<typeof shopperPayment> => ({
  payment_id: payment.id,
  order_id: payment.orderId,
  status: payment.status,
  amount_minor: payment.amountMinor,
  currency: payment.currency,
  provider: { payment_id: payment.providerPaymentId, redirect_url: payment.redirectUrl },
  failure_reason: payment.status === 'FAILED' ? SHOPPER_FAILURE_REASON : null,
  created_at: payment.createdAt,
  updated_at: payment.updatedAt,
});

export const presentRefundToShopper = (refund: Refund): z.output<typeof shopperRefund> => ({
  refund_id: refund.id,
  status: refund.status,
  amount_minor: refund.amountMinor,
  currency: refund.currency,
});

/** Status changes only: causes and details name operators and quote the provider. */
export const presentHistoryToShopper = (history: HistoryRow[]): z.output<typeof shopperPaymentWithHistory>['history'] =>
  history.filter((step) => step.accepted && step.from !== step.to).map((step) => ({ from: step.from, to: step.to, at: step.at }));

/** The ops view of a payment: everything recorded. */
export const presentPayment = (payment: Payment): Omit<z.output<typeof opsPaymentWithHistory>, 'refund' | 'history'> => ({
  payment_id: payment.id,
  order_id: payment.orderId,
  status: payment.status,
  amount_minor: payment.amountMinor,
  currency: payment.currency,
  provider: { payment_id: payment.providerPaymentId, redirect_url: payment.redirectUrl },
  transaction_id: payment.transactionId,
  failure_reason: payment.failureReason,
  callback_at: payment.callbackAt,
  created_at: payment.createdAt,
  updated_at: payment.updatedAt,
});

export const presentRefund = (refund: Refund): z.output<typeof opsRefund> => ({
  refund_id: refund.id,
  payment_id: refund.paymentId,
  order_id: refund.orderId,
  status: refund.status,
  amount_minor: refund.amountMinor,
  currency: refund.currency,
  reason: refund.reason,
  initiated_by: refund.initiatedBy,
  requested_by: refund.requestedBy,
  provider_refund_id: refund.providerRefundId,
  last_error: refund.lastError,
});
