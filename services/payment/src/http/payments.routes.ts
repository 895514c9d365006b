/** Shopper routes: open the payment of an order; read a payment and its history. */
import { parseTraceparent } from '@flash-sale/events';
import { notFound, principalOf, requireRole } from '@flash-sale/service-kit';
import type { FastifyInstance } from 'fastify';
import { findPayment, listHistory } from '../infra/payment.repository.ts';
import { findRefundOfPayment } from '../infra/refund.repository.ts';
import { openPayment, type OpenPaymentDeps } from '../use-cases/open-payment.ts';
import { presentHistoryToShopper, presentPayment, presentPaymentToShopper, presentRefund, presentRefundToShopper } from './payment.presenter.ts';

/** Order ids (the order service's) and payment ids (this service's) are uuids. */
export const uuidPattern = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
export const uuidParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', pattern: uuidPattern } },
} as const;

export async function paymentsRoutes(app: FastifyInstance, deps: OpenPaymentDeps) {
  app.post<{ Params: { id: string } }>(
    '/v1/orders/:id/payments',
    { schema: { params: uuidParams }, onRequest: requireRole('shopper') },
    async (request, reply) => {
      const traceId = parseTraceparent(request.headers.traceparent as string | undefined)?.traceId;
      const { payment, created } = await openPayment(deps, principalOf(request), request.params.id, { traceId });
      return reply.status(created ? 201 : 200).send(presentPaymentToShopper(payment));
    },
  );

  // The owner sees their payment in the shopper's view; ops see any payment of their tenant, in full.
  app.get<{ Params: { id: string } }>('/v1/payments/:id', { schema: { params: uuidParams }, onRequest: requireRole('shopper', 'ops') }, async (request) => {
    const principal = principalOf(request);
    const payment = await findPayment(deps.pool, request.params.id);
    const visible = payment && payment.tenantId === principal.tenantId && (payment.userId === principal.userId || principal.roles.includes('ops'));
    if (!visible) throw notFound('payment', { payment_id: request.params.id });
    const refund = await findRefundOfPayment(deps.pool, payment.id);
    const history = await listHistory(deps.pool, payment.id);
    if (principal.roles.includes('ops')) return { ...presentPayment(payment), refund: refund ? presentRefund(refund) : null, history };
    return { ...presentPaymentToShopper(payment), refund: refund ? presentRefundToShopper(refund) : null, history: presentHistoryToShopper(history) };
  });
}
