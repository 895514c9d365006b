/**
 * The payment service's view of orders, asked over HTTP (`GET /v1/internal/order-payments`) before
 * the expiry sweep expires anything. Any answer that is not a complete, well-formed 200 raises:
 * the caller then leaves those orders alone for this round instead of guessing.
 */
import { AppError, type ServiceClient } from '@flash-sale/service-kit';

export type OrderPaymentState = 'completed' | 'in_flight' | 'none';

export interface OrderPaymentStatus {
  orderId: string;
  state: OrderPaymentState;
  paymentId: string | null;
  paymentStatus: string | null;
}

export interface PaymentStatusReader {
  /** The payment state of each order (all of one tenant), keyed by order id. */
  paymentsOf(tenantId: string, orderIds: readonly string[]): Promise<Map<string, OrderPaymentStatus>>;
}

/** The most order ids the payment service accepts in one call. */
export const PAYMENT_STATUS_BATCH = 100;

interface Answer {
  order_id?: unknown;
  state?: unknown;
  payment_id?: unknown;
  payment_status?: unknown;
}

const STATES: readonly string[] = ['completed', 'in_flight', 'none'] satisfies OrderPaymentState[];

const unusable = (status: number, reason: string) =>
  new AppError('DEPENDENCY_UNAVAILABLE', 503, 'the payment service gave no usable answer', { dependency: 'payment', status, reason });

export class HttpPaymentStatusReader implements PaymentStatusReader {
  readonly #client: ServiceClient;

  constructor(client: ServiceClient) {
    this.#client = client;
  }

  async paymentsOf(tenantId: string, orderIds: readonly string[]): Promise<Map<string, OrderPaymentStatus>> {
    const answers = new Map<string, OrderPaymentStatus>();
    for (let start = 0; start < orderIds.length; start += PAYMENT_STATUS_BATCH) {
      const chunk = orderIds.slice(start, start + PAYMENT_STATUS_BATCH);
      const response = await this.#client.get<{ orders?: Answer[] } | null>(
        `/v1/internal/order-payments?order_ids=${chunk.map(encodeURIComponent).join(',')}`,
        tenantId,
      );
      if (response.status !== 200 || !Array.isArray(response.body?.orders)) throw unusable(response.status, 'not a 200 with an orders list');
      for (const answer of response.body.orders) {
        if (typeof answer.order_id !== 'string' || typeof answer.state !== 'string' || !STATES.includes(answer.state)) throw unusable(200, 'malformed entry');
        answers.set(answer.order_id, {
          orderId: answer.order_id,
          state: answer.state as OrderPaymentState,
          paymentId: typeof answer.payment_id === 'string' ? answer.payment_id : null,
          paymentStatus: typeof answer.payment_status === 'string' ? answer.payment_status : null,
        });
      }
      for (const orderId of chunk) if (!answers.has(orderId)) throw unusable(200, `no answer for order ${orderId}`);
    }
    return answers;
  }
}
