/**
 * The payment provider's HTTP API, as its documentation describes it. Every write carries an
 * `Idempotency-Key` (our payment or refund id), so retrying after a timeout never charges or
 * refunds twice; reading a payment is safe to repeat as it is.
 */
import { z } from 'zod';

export class PaymentProviderError extends Error {
  readonly retryable: boolean;
  readonly status: number | undefined;
  constructor(message: string, options: { retryable: boolean; status?: number; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = 'PaymentProviderError';
    this.retryable = options.retryable;
    this.status = options.status;
  }
}

export interface PaymentProvider {
  createPayment(input: { amountMinor: number; currency: string; reference: string; description: string; idempotencyKey: string }): Promise<{
    providerPaymentId: string;
    redirectUrl: string;
  }>;
  /** The provider's current view of a payment: how a result whose webhook never came is found. */
  getPayment(providerPaymentId: string): Promise<ProviderPayment>;
  refundPayment(input: { providerPaymentId: string; amountMinor: number; reference: string; reason: string; idempotencyKey: string }): Promise<{
    providerRefundId: string;
  }>;
}

export interface ProviderPayment {
  providerPaymentId: string;
  /** 'pending', 'succeeded' or 'failed' as documented; anything else is treated as not final. */
  status: string;
  amountMinor: number;
  currency: string;
  /** Our payment id, given to the provider when the payment was opened. */
  reference: string;
  transactionId: string | null;
  failureReason: string | null;
  /** The provider's answer verbatim, kept as the evidence of a polled result. */
  rawBody: string;
}

const providerPayment = z.object({
  id: z.string().min(1).max(100),
  status: z.string().min(1).max(32),
  amount_minor: z.number().int().nonnegative(),
  currency: z.string().length(3),
  reference: z.string().min(1).max(100),
  transaction_id: z.string().min(1).max(100).nullish(),
  failure_reason: z.string().max(200).nullish(),
});
const createdPayment = z.object({ id: z.string().min(1).max(100), redirect_url: z.string().min(1).max(1000) });
const createdRefund = z.object({ id: z.string().min(1).max(100) });

export function createHttpPaymentProvider(options: { baseUrl: string; timeoutMs: number }): PaymentProvider {
  /** A POST with a body and an idempotency key, or (no write) a GET. */
  const call = async <S extends z.ZodType>(
    path: string,
    write: { body: unknown; idempotencyKey: string } | null,
    schema: S,
  ): Promise<{ data: z.output<S>; text: string }> => {
    let response: Response;
    try {
      response = await fetch(new URL(path, options.baseUrl), {
        ...(write
          ? { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': write.idempotencyKey }, body: JSON.stringify(write.body) }
          : { method: 'GET', headers: { accept: 'application/json' } }),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      throw new PaymentProviderError(`provider unreachable: ${(error as Error).message}`, { retryable: true, cause: error });
    }
    const text = await response.text();
    if (!response.ok) {
      // 4xx is the provider refusing this request as such; 5xx and 429 may pass on a retry.
      const retryable = response.status >= 500 || response.status === 429;
      throw new PaymentProviderError(`provider answered ${response.status}: ${text.slice(0, 200)}`, { retryable, status: response.status });
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw new PaymentProviderError('provider answer not understood', { retryable: false, status: response.status });
    return { data: parsed.data, text };
  };

  return {
    async createPayment(input) {
      const body = { amount_minor: input.amountMinor, currency: input.currency, reference: input.reference, description: input.description };
      const { data: created } = await call('/v1/payments', { body, idempotencyKey: input.idempotencyKey }, createdPayment);
      return { providerPaymentId: created.id, redirectUrl: created.redirect_url };
    },
    async refundPayment(input) {
      const body = { amount_minor: input.amountMinor, reference: input.reference, reason: input.reason };
      const path = `/v1/payments/${encodeURIComponent(input.providerPaymentId)}/refunds`;
      const { data: created } = await call(path, { body, idempotencyKey: input.idempotencyKey }, createdRefund);
      return { providerRefundId: created.id };
    },
    async getPayment(providerPaymentId) {
      const { data, text } = await call(`/v1/payments/${encodeURIComponent(providerPaymentId)}`, null, providerPayment);
      return {
        providerPaymentId: data.id,
        status: data.status,
        amountMinor: data.amount_minor,
        currency: data.currency,
        reference: data.reference,
        transactionId: data.transaction_id ?? null,
        failureReason: data.failure_reason ?? null,
        rawBody: text,
      };
    },
  };
}
