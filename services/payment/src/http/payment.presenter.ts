import type { Payment } from '../infra/payment.repository.ts';
import type { Refund } from '../infra/refund.repository.ts';

/** The public shape of a payment: what a client needs to pay and to follow it. */
export const presentPayment = (payment: Payment) => ({
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

export const presentRefund = (refund: Refund) => ({
  refund_id: refund.id,
  payment_id: refund.paymentId,
  order_id: refund.orderId,
  status: refund.status,
  amount_minor: refund.amountMinor,
  currency: refund.currency,
  reason: refund.reason,
  initiated_by: refund.initiatedBy,
  provider_refund_id: refund.providerRefundId,
  last_error: refund.lastError,
});
