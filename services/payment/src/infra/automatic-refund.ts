/**
 * The refund the payment service asks for on its own: a payment completed for an order that ended
 * (cancelled or expired) before or after it, whichever side of the race came second (docs/refunds.md).
 * The request is the payment books' one (`@flash-sale/payment-books`, which the reconciler uses too),
 * signed as this service.
 */
export { requestAutomaticRefund } from '@flash-sale/payment-books';

/** `refunds.requested_by` of the refunds this service asks for. */
export const REFUND_REQUESTER = 'payment-service';
