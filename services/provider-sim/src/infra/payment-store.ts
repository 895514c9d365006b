/**
 * The provider's ledger, in memory: the simulator plays the outside world, whose durability is
 * not ours to test. Idempotency keys map a retried create or refund call to its first result.
 */
import { randomUUID } from 'node:crypto';
import type { FaultSettings } from '../domain/faults.ts';

export type SimPaymentStatus = 'pending' | 'succeeded' | 'failed';

export interface SimRefund {
  id: string;
  payment_id: string;
  amount_minor: number;
  reference: string | null;
  reason: string;
  status: 'succeeded';
  created: number;
}

export interface SimPayment {
  id: string;
  status: SimPaymentStatus;
  amount_minor: number;
  currency: string;
  reference: string;
  description: string;
  created: number;
  transaction_id: string | null;
  failure_reason: string | null;
  redirect_url: string;
  faults: FaultSettings | undefined;
  refunds: SimRefund[];
}

const shortId = (prefix: string) => `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 24)}`;

export class PaymentStore {
  readonly #payments = new Map<string, SimPayment>();
  readonly #byIdempotencyKey = new Map<string, string>();
  readonly #refundsByKey = new Map<string, SimRefund>();
  readonly #publicUrl: string;

  constructor(publicUrl: string) {
    this.#publicUrl = publicUrl;
  }

  create(
    input: { amount_minor: number; currency: string; reference: string; description: string; faults: FaultSettings | undefined },
    idempotencyKey: string | undefined,
    nowSeconds: number,
  ): { payment: SimPayment; created: boolean } {
    const known = idempotencyKey ? this.#byIdempotencyKey.get(idempotencyKey) : undefined;
    const existing = known ? this.#payments.get(known) : undefined;
    if (existing) return { payment: existing, created: false };
    const id = shortId('pay');
    const payment: SimPayment = {
      id,
      status: 'pending',
      ...input,
      created: nowSeconds,
      transaction_id: null,
      failure_reason: null,
      redirect_url: new URL(`/checkout/${id}`, this.#publicUrl).toString(),
      refunds: [],
    };
    this.#payments.set(id, payment);
    if (idempotencyKey) this.#byIdempotencyKey.set(idempotencyKey, id);
    return { payment, created: true };
  }

  get(id: string): SimPayment | undefined {
    return this.#payments.get(id);
  }

  /** pending -> succeeded | failed; undefined when the payment is no longer pending. */
  settle(id: string, outcome: { succeeded: true } | { succeeded: false; reason: string }): SimPayment | undefined {
    const payment = this.#payments.get(id);
    if (payment?.status !== 'pending') return undefined;
    if (outcome.succeeded) {
      payment.status = 'succeeded';
      payment.transaction_id = shortId('txn');
    } else {
      payment.status = 'failed';
      payment.failure_reason = outcome.reason;
    }
    return payment;
  }

  refund(
    payment: SimPayment,
    input: { amount_minor: number; reference: string | null; reason: string },
    idempotencyKey: string | undefined,
    nowSeconds: number,
  ): { refund: SimRefund; created: boolean } {
    const key = idempotencyKey ? `${payment.id}:${idempotencyKey}` : undefined;
    const existing = key ? this.#refundsByKey.get(key) : undefined;
    if (existing) return { refund: existing, created: false };
    const refund: SimRefund = { id: shortId('re'), payment_id: payment.id, ...input, status: 'succeeded', created: nowSeconds };
    payment.refunds.push(refund);
    if (key) this.#refundsByKey.set(key, refund);
    return { refund, created: true };
  }

  refundedMinor(payment: SimPayment): number {
    return payment.refunds.reduce((sum, refund) => sum + refund.amount_minor, 0);
  }

  newEventId(): string {
    return shortId('evt');
  }
}
