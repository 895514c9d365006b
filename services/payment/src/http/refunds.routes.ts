/** Ops route: refund a completed payment (the provider's webhook completes it). */
import { bearerRefusals, errorResponses, principalOf, requireRole } from '@flash-sale/service-kit';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Pool } from 'mysql2/promise';
import { requestOpsRefund } from '../application/request-ops-refund.ts';
import type { RefundDispatcher } from '../workers/refund-dispatcher.ts';
import { presentRefund } from './payment.presenter.ts';
import { opsRefund, refundBody, uuidParams } from './payment.schemas.ts';

export const refundsRoutes: FastifyPluginAsyncZod<{ pool: Pool; refunds: RefundDispatcher; now: () => Date }> = async (app, deps) => {
  app.post(
    '/v1/payments/:id/refund',
    {
      onRequest: requireRole('ops'),
      schema: {
        summary: 'Refund a completed payment (ops)',
        description: 'Asked once per payment: asking again answers the refund already asked for (200). The payment turns REFUNDED when the provider confirms.',
        security: [{ bearer: [] }],
        params: uuidParams,
        body: refundBody,
        response: {
          202: opsRefund.meta({ description: 'the refund was asked for' }),
          200: opsRefund.meta({ description: 'the refund already asked for this payment' }),
          ...errorResponses({
            ...bearerRefusals,
            400: 'the payment id is not a uuid, or the body is not { reason }',
            404: "no payment of the caller's tenant with this id",
            409: 'the payment is neither COMPLETED nor REFUNDED (PAYMENT_NOT_REFUNDABLE)',
          }),
        },
      },
    },
    async (request, reply) => {
      const { refund, created } = await requestOpsRefund(deps, principalOf(request), request.params.id, request.body.reason);
      // 202: accepted; the payment turns REFUNDED when the provider confirms.
      return reply.status(created ? 202 : 200).send(presentRefund(refund));
    },
  );
};
