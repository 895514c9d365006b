/** The provider's public API: open, read, pay (complete/decline) and refund payments. */
import { AppError, conflict, notFound } from '@flash-sale/service-kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { faultNames, faultSettingsSchema } from '../domain/faults.ts';
import type { SimPayment } from '../infra/payment-store.ts';
import type { SimulatedProvider } from '../application/simulated-provider.ts';

const createBody = z.object({
  amount_minor: z.number().int().positive(),
  currency: z.string().regex(/^[A-Z]{3}$/),
  reference: z.string().min(1).max(100),
  description: z.string().max(200).default(''),
  faults: z.array(z.enum(faultNames)).optional(),
  delay_ms: z.number().int().min(0).max(600000).optional(),
  auto_complete_ms: z.number().int().min(0).max(600000).optional(),
});
const completeBody = z.object({ faults: z.array(z.enum(faultNames)).default([]), delay_ms: z.number().int().min(0).max(600000).default(1000) });
const declineBody = z.object({ reason: z.string().min(1).max(200).default('card_declined') });
const refundBody = z.object({ amount_minor: z.number().int().positive(), reference: z.string().max(100).optional(), reason: z.string().max(200).default('') });

function parse<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body ?? {});
  if (!result.success)
    throw new AppError('VALIDATION_FAILED', 400, 'request validation failed', { issues: result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
  return result.data;
}

const idempotencyKey = (request: FastifyRequest) => {
  const value = request.headers['idempotency-key'];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};

export async function paymentsRoutes(app: FastifyInstance, deps: { provider: SimulatedProvider; autoCompleteMs: number }) {
  const { provider } = deps;
  const paymentOf = (id: string): SimPayment => {
    const payment = provider.store.get(id);
    if (!payment) throw notFound('payment', { payment_id: id });
    return payment;
  };
  const present = ({ faults: _faults, ...payment }: SimPayment) => payment;

  app.post('/v1/payments', async (request, reply) => {
    const body = parse(createBody, request.body);
    const faults = body.faults ? faultSettingsSchema.parse({ faults: body.faults, delay_ms: body.delay_ms }) : undefined;
    const { payment, created } = provider.store.create(
      { amount_minor: body.amount_minor, currency: body.currency, reference: body.reference, description: body.description, faults },
      idempotencyKey(request),
      Math.floor(Date.now() / 1000),
    );
    const autoMs = body.auto_complete_ms ?? deps.autoCompleteMs;
    if (created && autoMs > 0) provider.autoComplete(payment, autoMs);
    return reply.status(created ? 201 : 200).send(present(payment));
  });

  app.get<{ Params: { id: string } }>('/v1/payments/:id', async (request) => present(paymentOf(request.params.id)));

  // Where the redirect URL leads: a checkout page would be here; the API equivalent is below.
  app.get<{ Params: { id: string } }>('/checkout/:id', async (request) => ({
    payment: present(paymentOf(request.params.id)),
    pay: `POST /v1/payments/${request.params.id}/complete`,
    decline: `POST /v1/payments/${request.params.id}/decline`,
  }));

  app.post<{ Params: { id: string } }>('/v1/payments/:id/complete', async (request) => {
    const body = parse(completeBody, request.body);
    const settled = provider.complete(paymentOf(request.params.id), body.faults.length > 0 ? body : undefined);
    if (!settled) throw conflict('PAYMENT_NOT_PENDING', 'the payment was already settled', { payment_id: request.params.id });
    return present(settled);
  });

  app.post<{ Params: { id: string } }>('/v1/payments/:id/decline', async (request) => {
    const body = parse(declineBody, request.body);
    const settled = provider.decline(paymentOf(request.params.id), body.reason);
    if (!settled) throw conflict('PAYMENT_NOT_PENDING', 'the payment was already settled', { payment_id: request.params.id });
    return present(settled);
  });

  app.post<{ Params: { id: string } }>('/v1/payments/:id/refunds', async (request, reply) => {
    const body = parse(refundBody, request.body);
    const payment = paymentOf(request.params.id);
    const key = idempotencyKey(request);
    if (payment.status !== 'succeeded') throw conflict('PAYMENT_NOT_REFUNDABLE', `a ${payment.status} payment cannot be refunded`, { payment_id: payment.id });
    const replay = key ? payment.refunds.find((refund) => refund.reference === (body.reference ?? null)) : undefined;
    if (!replay && provider.store.refundedMinor(payment) + body.amount_minor > payment.amount_minor) {
      throw conflict('REFUND_EXCEEDS_PAYMENT', 'refunds would exceed the amount paid', { payment_id: payment.id });
    }
    const { refund, created } = provider.refund(payment, { amount_minor: body.amount_minor, reference: body.reference ?? null, reason: body.reason }, key);
    return reply.status(created ? 201 : 200).send(refund);
  });
}
