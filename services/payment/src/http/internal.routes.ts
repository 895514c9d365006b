/**
 * Reads for our own services (`service` role, the caller's tenant only): has an order been paid,
 * or is a payment of it still in flight? The order service's expiry sweep asks before it expires
 * an order past its deadline, so a `payment.completed` event lost or late near the deadline
 * cannot end as EXPIRED plus an automatic refund.
 *
 * - `completed`: a COMPLETED payment exists; the caller pays the order instead of expiring it.
 * - `in_flight`: a PENDING payment opened less than `inFlightMaxMs` ago; the caller postpones
 *   expiry. A provider webhook is stored in the same transaction that applies it (see
 *   `application/receive-provider-event.ts`), so "received but not applied" is never visible as a
 *   separate state: until it commits the payment is PENDING, i.e. in flight.
 * - `none`: nothing paid and nothing in flight. A PENDING payment older than the bound counts as
 *   failed here, so expiry is postponed by a bounded time only; should the provider still
 *   complete it later, the order is EXPIRED by then and the payment is refunded automatically.
 */
import { bearerRefusals, errorResponses, principalOf, requireRole } from '@flash-sale/service-kit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import { z } from 'zod';
import type { PaymentStatus } from '../domain/payment-state-machine.ts';
import { orderPaymentAnswer, orderPaymentParams, orderPaymentsQuery } from './payment.schemas.ts';

export type OrderPaymentState = 'completed' | 'in_flight' | 'none';

export interface OrderPaymentAnswer {
  order_id: string;
  state: OrderPaymentState;
  /** The payment that decided the state (for `none`, the latest attempt, if any). */
  payment_id: string | null;
  payment_status: PaymentStatus | null;
}

export interface InternalRoutesOptions {
  pool: Pool;
  now: () => Date;
  /** How long a PENDING payment counts as in flight (default 10 minutes). */
  inFlightMaxMs?: number;
}

export const DEFAULT_IN_FLIGHT_MAX_MS = 10 * 60_000;

interface PaymentRow extends RowDataPacket {
  id: string;
  order_id: string;
  status: PaymentStatus;
  in_flight: number;
}

const RANK: Record<OrderPaymentState, number> = { completed: 2, in_flight: 1, none: 0 };

export async function findOrderPayments(pool: Pool, tenantId: string, orderIds: readonly string[], inFlightSince: Date): Promise<OrderPaymentAnswer[]> {
  const answers = new Map<string, OrderPaymentAnswer>(orderIds.map((id) => [id, { order_id: id, state: 'none', payment_id: null, payment_status: null }]));
  if (orderIds.length === 0) return [];
  const [rows] = await pool.query<PaymentRow[]>(
    // The age test runs in SQL, on the database's own DATETIME values (the pool may hand back strings).
    "SELECT id, order_id, status, status = 'PENDING' AND created_at > ? AS in_flight FROM payments WHERE tenant_id = ? AND order_id IN (?) ORDER BY created_at, id",
    [inFlightSince, tenantId, orderIds],
  );
  for (const row of rows) {
    const answer = answers.get(row.order_id);
    if (!answer) continue;
    const state: OrderPaymentState = row.status === 'COMPLETED' ? 'completed' : Number(row.in_flight) === 1 ? 'in_flight' : 'none';
    // The strongest fact wins; among equals the latest attempt (rows come oldest first).
    if (RANK[state] >= RANK[answer.state]) Object.assign(answer, { state, payment_id: row.id, payment_status: row.status });
  }
  return [...answers.values()];
}

export const internalRoutes: FastifyPluginAsyncZod<InternalRoutesOptions> = async (app, options) => {
  const inFlightMaxMs = options.inFlightMaxMs ?? DEFAULT_IN_FLIGHT_MAX_MS;
  const since = () => new Date(options.now().getTime() - inFlightMaxMs);
  // onRequest: a caller without the role is refused before its input is even looked at.
  const onRequest = requireRole('service');
  const refusals = errorResponses({ ...bearerRefusals, 400: 'a malformed order id, or more than 100 of them' });

  app.get(
    '/v1/internal/orders/:orderId/payment',
    {
      onRequest,
      schema: {
        summary: 'Service read: is an order paid, is a payment of it in flight, or neither',
        security: [{ bearer: [] }],
        params: orderPaymentParams,
        response: { 200: orderPaymentAnswer, ...refusals },
      },
    },
    async (request) => {
      const { orderId } = request.params;
      const [answer] = await findOrderPayments(options.pool, principalOf(request).tenantId, [orderId], since());
      return answer ?? { order_id: orderId, state: 'none' as const, payment_id: null, payment_status: null };
    },
  );

  // The batch form: the expiry sweep asks once per round for every order it is about to expire.
  app.get(
    '/v1/internal/order-payments',
    {
      onRequest,
      schema: {
        summary: 'Service read: the payment state of several orders at once',
        security: [{ bearer: [] }],
        querystring: orderPaymentsQuery,
        response: { 200: z.strictObject({ orders: z.array(orderPaymentAnswer) }), ...refusals },
      },
    },
    async (request) => {
      const ids = [...new Set(request.query.order_ids.split(','))];
      return { orders: await findOrderPayments(options.pool, principalOf(request).tenantId, ids, since()) };
    },
  );
};
