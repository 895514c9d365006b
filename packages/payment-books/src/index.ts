/**
 * The payment books' automatic refund request, once: the payment service asks for it when an order
 * ends on either side of its payment, the reconciler when inventory refused a paid order
 * (docs/consistency.md). Both write the same rows through their own connection to the payment
 * database.
 */
export { requestAutomaticRefund, type AutomaticRefund, type RefundablePayment } from './automatic-refund.ts';
