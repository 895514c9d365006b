import { bearerRefusals, errorResponses, principalOf, requireRole } from '@flash-sale/service-kit';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Pool } from 'mysql2/promise';
import { z } from 'zod';
import { cancelOrder, fulfilOrder } from '../application/change-order-status.ts';
import {
  idempotencyInFlight,
  idempotencyKeyMissing,
  idempotencyKeyReused,
  orderNotFound,
  reserveRefused,
  soldOutRefusal,
} from '../application/order-errors.ts';
import { placeOrder, type PlaceOrderDeps } from '../application/place-order.ts';
import { orderResource } from '../domain/order.ts';
import { findOwnedOrder, orderHistory } from '../infra/order.repository.ts';
import { cancelBody, idempotencyHeaders, orderIdParams, orderResponse, orderWithHistoryResponse, placeOrderBody } from './order.schemas.ts';
import { requestContext } from './request-context.ts';

export interface OrderRoutesOptions {
  placeOrder: PlaceOrderDeps;
  pool: Pool;
  now: () => Date;
}

const placeRefusals = errorResponses({
  ...bearerRefusals,
  400: 'a malformed body, or no Idempotency-Key',
  404: 'no such sale',
  409: 'the sale refuses the order (not open, ended, sold out, not enough stock, per-user limit), or a request with this key is still running',
  422: 'this Idempotency-Key was used with another body',
  503: 'orders cannot be taken right now (the sale is being rebuilt, or a store is unreachable); Retry-After may say when',
});
const readRefusals = errorResponses({ ...bearerRefusals, 400: 'the order id is not a uuid', 404: "no such order of the caller's" });
const changeRefusals = errorResponses({
  ...bearerRefusals,
  400: 'a malformed id or body',
  404: 'no such order',
  409: 'the order is not in a status this change applies to',
});

export const orderRoutes: FastifyPluginAsyncZod<OrderRoutesOptions> = async (app, options) => {
  app.post(
    '/v1/orders',
    {
      onRequest: requireRole('shopper'),
      schema: {
        summary: 'Place an order in a flash sale',
        description:
          'Requires an Idempotency-Key header (keys are scoped per user and kept 24 hours). The same key with the same body replays the first response; with another body it is refused (422); while the first request still runs, 409.',
        security: [{ bearer: [] }],
        headers: idempotencyHeaders,
        body: placeOrderBody,
        response: { 201: orderResponse, ...placeRefusals },
      },
    },
    async (request, reply) => {
      const key = request.headers['idempotency-key'];
      if (!key) throw idempotencyKeyMissing();
      const principal = principalOf(request);
      // The stampede's usual answer, known without I/O (see placeOrder): pre-serialised bytes, off
      // the error handler's path.
      if (options.placeOrder.soldOut.refusesAtOnce(request.body.sale_id, principal.tenantId, principal.userId)) {
        const refusal = soldOutRefusal(request.body.sale_id);
        // A string skips the response serialiser; its schema (409: the error shape) is what these
        // bytes are, which the typed reply cannot know, so they go through the untyped one.
        const untyped: FastifyReply = reply;
        return untyped.status(refusal.status).type('application/json; charset=utf-8').send(refusal.json);
      }
      const outcome = await placeOrder(options.placeOrder, {
        tenantId: principal.tenantId,
        userId: principal.userId,
        idempotencyKey: key,
        body: request.body,
        ...requestContext(request),
      });
      switch (outcome.kind) {
        case 'placed':
          return reply.status(201).send(outcome.order);
        case 'placed-despite-failed-write':
          return reply.status(outcome.answer.status).send(outcome.answer.order);
        case 'replayed':
          reply.header('idempotent-replayed', 'true');
          return reply.status(outcome.answer.status).send(outcome.answer.order);
        case 'refused':
          throw reserveRefused(outcome.reason, { sale_id: outcome.saleId, remaining: outcome.remaining });
        case 'key-reused':
          throw idempotencyKeyReused();
        case 'key-in-flight':
          throw idempotencyInFlight();
      }
    },
  );

  app.get(
    '/v1/orders/:id',
    {
      onRequest: requireRole('shopper'),
      schema: {
        summary: 'Read an order and every status it went through',
        security: [{ bearer: [] }],
        params: orderIdParams,
        response: { 200: orderWithHistoryResponse, ...readRefusals },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const order = await findOwnedOrder(options.pool, request.params.id, principal.tenantId, principal.userId);
      if (!order) throw orderNotFound(request.params.id);
      const history = await orderHistory(options.pool, order.id);
      return {
        ...orderResource(order),
        history: history.map((step) => ({ from: step.from, to: step.to, cause: step.cause, at: step.at.toISOString() })),
      };
    },
  );

  app.post(
    '/v1/orders/:id/cancel',
    {
      onRequest: requireRole('shopper'),
      schema: {
        summary: 'Cancel a pending order; its stock returns to the sale',
        security: [{ bearer: [] }],
        params: orderIdParams,
        body: cancelBody,
        response: { 202: orderResponse, ...changeRefusals },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const order = await cancelOrder(
        options.pool,
        options.now,
        { tenantId: principal.tenantId, userId: principal.userId, ...requestContext(request) },
        request.params.id,
        request.body?.reason ?? 'requested',
      );
      return reply.status(202).send(orderResource(order));
    },
  );

  for (const command of ['ship', 'deliver'] as const) {
    app.post(
      `/v1/orders/:id/${command}`,
      {
        onRequest: requireRole('ops'),
        schema: {
          summary: `Fulfilment (ops): ${command} a ${command === 'ship' ? 'confirmed' : 'shipped'} order`,
          security: [{ bearer: [] }],
          params: orderIdParams,
          response: { 204: z.null(), ...changeRefusals },
        },
      },
      async (request, reply) => {
        await fulfilOrder(options.pool, options.now, principalOf(request).tenantId, request.params.id, command);
        return reply.status(204).send(null);
      },
    );
  }
};
