/** Ops route: refund a completed payment (the provider's webhook completes it). */
import { principalOf, requireRole } from '@flash-sale/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'mysql2/promise';
import { requestOpsRefund } from '../use-cases/request-ops-refund.ts';
import type { RefundDispatcher } from '../workers/refund-dispatcher.ts';
import { presentRefund } from './payment.presenter.ts';
import { uuidParams } from './payments.routes.ts';

export async function refundsRoutes(app: FastifyInstance, deps: { pool: Pool; refunds: RefundDispatcher; now: () => Date }) {
  app.post<{ Params: { id: string }; Body: { reason: string } }>(
    '/v1/payments/:id/refund',
    {
      onRequest: requireRole('ops'),
      schema: {
        params: uuidParams,
        body: {
          type: 'object',
          required: ['reason'],
          additionalProperties: false,
          properties: { reason: { type: 'string', minLength: 1, maxLength: 200 } },
        },
      },
    },
    async (request, reply) => {
      const { refund, created } = await requestOpsRefund(deps, principalOf(request), request.params.id, request.body.reason);
      // 202: accepted; the payment turns REFUNDED when the provider confirms.
      return reply.status(created ? 202 : 200).send(presentRefund(refund));
    },
  );
}
