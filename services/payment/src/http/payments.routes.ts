/** Shopper routes: open the payment of an order; read a payment and its history. */
import { parseTraceparent } from '@flash-sale/events';
import { bearerRefusals, errorResponses, notFound, principalOf, requireRole } from '@flash-sale/service-kit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { findPayment, listHistory } from '../infra/payment.repository.ts';
import { findRefundOfPayment } from '../infra/refund.repository.ts';
import { openPayment, type OpenPaymentDeps } from '../application/open-payment.ts';
import { presentHistoryToShopper, presentPayment, presentPaymentToShopper, presentRefund, presentRefundToShopper } from './payment.presenter.ts';
import { opsPaymentWithHistory, shopperPayment, shopperPaymentWithHistory, uuidParams } from './payment.schemas.ts';

export const paymentsRoutes: FastifyPluginAsyncZod<OpenPaymentDeps> = async (app, deps) => {
  app.post(
    '/v1/orders/:id/payments',
    {
      onRequest: requireRole('shopper'),
      schema: {
        summary: "Open the payment of the caller's order",
        description:
          'Idempotent per order: while a payment of the order is open or paid, that one is answered (200). An order the payment service has not heard of yet is asked of the order service; without its answer the client is told to retry (425, Retry-After).',
        security: [{ bearer: [] }],
        params: uuidParams,
        response: {
          201: shopperPayment.meta({ description: 'a payment was opened' }),
          200: shopperPayment.meta({ description: "the order's open or paid payment" }),
          ...errorResponses({
            ...bearerRefusals,
            400: 'the order id is not a uuid',
            404: "no order of the caller's with this id",
            409: 'the order is already paid (ORDER_ALREADY_PAID) or can no longer be paid (ORDER_NOT_PAYABLE)',
            425: 'the order is not known yet and the order service did not answer (ORDER_NOT_YET_KNOWN); retry',
            502: 'the provider could not open the payment (PAYMENT_PROVIDER_UNAVAILABLE); retry',
          }),
        },
      },
    },
    async (request, reply) => {
      const traceId = parseTraceparent(request.headers.traceparent as string | undefined)?.traceId;
      const { payment, created } = await openPayment(deps, principalOf(request), request.params.id, { traceId });
      return reply.status(created ? 201 : 200).send(presentPaymentToShopper(payment));
    },
  );

  // The owner sees their payment in the shopper's view; ops see any payment of their tenant, in full.
  app.get(
    '/v1/payments/:id',
    {
      onRequest: requireRole('shopper', 'ops'),
      schema: {
        summary: 'Read a payment, its refund and its history',
        description: "The owner reads the shopper's view; ops read any payment of their tenant in full, with the provider's words and who asked for a refund.",
        security: [{ bearer: [] }],
        params: uuidParams,
        response: {
          200: z.union([shopperPaymentWithHistory, opsPaymentWithHistory]).meta({ description: "the shopper's view to the owner, the ops view to ops" }),
          ...errorResponses({ ...bearerRefusals, 400: 'the payment id is not a uuid', 404: 'no payment the caller may see with this id' }),
        },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const payment = await findPayment(deps.pool, request.params.id);
      const visible = payment && payment.tenantId === principal.tenantId && (payment.userId === principal.userId || principal.roles.includes('ops'));
      if (!visible) throw notFound('payment', { payment_id: request.params.id });
      const refund = await findRefundOfPayment(deps.pool, payment.id);
      const history = await listHistory(deps.pool, payment.id);
      if (principal.roles.includes('ops')) return { ...presentPayment(payment), refund: refund ? presentRefund(refund) : null, history };
      return { ...presentPaymentToShopper(payment), refund: refund ? presentRefundToShopper(refund) : null, history: presentHistoryToShopper(history) };
    },
  );
};
