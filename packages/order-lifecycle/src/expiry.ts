/**
 * What becomes of a PENDING order past its payment deadline, given what the payment side says
 * about it (docs/consistency.md): an order is never expired against a payment, nor on a guess.
 */

/** The order's payment as its reader found it; `unknown` when there was no answer. */
export type PaymentAtDeadline = 'completed' | 'in_flight' | 'none' | 'unknown';

/**
 * - `pay`: a payment completed, its event not applied yet; expiring would only end in a refund.
 * - `wait`: a payment is in flight; the payment service bounds how long that lasts.
 * - `expire`: no payment; the order expires and its stock comes back.
 * - `unverified`: nothing is known; the order is left for a later run.
 */
export type ExpiryDecision = 'pay' | 'wait' | 'expire' | 'unverified';

export function decideExpiry(payment: PaymentAtDeadline): ExpiryDecision {
  switch (payment) {
    case 'completed':
      return 'pay';
    case 'in_flight':
      return 'wait';
    case 'none':
      return 'expire';
    case 'unknown':
      return 'unverified';
  }
}
