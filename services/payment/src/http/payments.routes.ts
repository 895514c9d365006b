/** Shopper routes: open the payment of an order; read a payment and its history. */
import { notFound, principalOf, requireRole } from '@flash-sale/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'mysql2/promise';
import { findPayment, listHistory } from '../infra/payment.repository.ts';
import type { PaymentProvider } from '../infra/payment-provider.client.ts';
import { findRefundOfPayment } from '../infra/refund.repository.ts';
import { openPayment } from '../use-cases/open-payment.ts';
import { presentPayment, presentRefund } from './payment.presenter.ts';

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' } },
} as const;

export async function paymentsRoutes(app: FastifyInstance, deps: { pool: Pool; provider: PaymentProvider; now: () => Date }) {
  app.post<{ Params: { id: string } }>(
    '/v1/orders/:id/payments',
    { schema: { params: idParams }, onRequest: requireRole('shopper') },
    async (request, reply) => {
      const { payment, created } = await openPayment(deps, principalOf(request), request.params.id);
      return reply.status(created ? 201 : 200).send(presentPayment(payment));
    },
  );

  // The owner sees their payment; ops see any payment of their tenant, with its full history.
  app.get<{ Params: { id: string } }>('/v1/payments/:id', { schema: { params: idParams }, onRequest: requireRole('shopper', 'ops') }, async (request) => {
    const principal = principalOf(request);
    const payment = await findPayment(deps.pool, request.params.id);
    const visible = payment && payment.tenantId === principal.tenantId && (payment.userId === principal.userId || principal.roles.includes('ops'));
    if (!visible) throw notFound('payment', { payment_id: request.params.id });
    const refund = await findRefundOfPayment(deps.pool, payment.id);
    return { ...presentPayment(payment), refund: refund ? presentRefund(refund) : null, history: await listHistory(deps.pool, payment.id) };
  });
}
