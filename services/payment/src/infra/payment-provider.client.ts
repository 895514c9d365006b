/**
 * The payment provider's HTTP API, as its documentation describes it. Every call carries an
 * `Idempotency-Key` (our payment or refund id), so retrying after a timeout never charges or
 * refunds twice.
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
  refundPayment(input: { providerPaymentId: string; amountMinor: number; reference: string; reason: string; idempotencyKey: string }): Promise<{
    providerRefundId: string;
  }>;
}

const createdPayment = z.object({ id: z.string().min(1).max(100), redirect_url: z.string().min(1).max(1000) });
const createdRefund = z.object({ id: z.string().min(1).max(100) });

export function createHttpPaymentProvider(options: { baseUrl: string; timeoutMs: number }): PaymentProvider {
  const call = async <S extends z.ZodType>(path: string, body: unknown, idempotencyKey: string, schema: S): Promise<z.output<S>> => {
    let response: Response;
    try {
      response = await fetch(new URL(path, options.baseUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        body: JSON.stringify(body),
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
    const parsed = schema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new PaymentProviderError('provider answer not understood', { retryable: false, status: response.status });
    return parsed.data;
  };

  return {
    async createPayment(input) {
      const body = { amount_minor: input.amountMinor, currency: input.currency, reference: input.reference, description: input.description };
      const created = await call('/v1/payments', body, input.idempotencyKey, createdPayment);
      return { providerPaymentId: created.id, redirectUrl: created.redirect_url };
    },
    async refundPayment(input) {
      const body = { amount_minor: input.amountMinor, reference: input.reference, reason: input.reason };
      const created = await call(`/v1/payments/${encodeURIComponent(input.providerPaymentId)}/refunds`, body, input.idempotencyKey, createdRefund);
      return { providerRefundId: created.id };
    },
  };
}
