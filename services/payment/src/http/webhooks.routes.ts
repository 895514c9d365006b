/**
 * The provider's webhook inbox. Its own plugin scope, because JSON must reach the handler as the
 * raw bytes that were signed, not as a parsed and re-serialisable object.
 */
import { AppError, limitByAddress, unavailable, type Budget } from '@flash-sale/service-kit';
import type { FastifyInstance } from 'fastify';
import type { Pool } from 'mysql2/promise';
import { z } from 'zod';
import { providerEventSchema } from '../domain/provider-event.ts';
import { verifyProviderSignature } from '../webhooks/provider-signature.ts';
import { receiveProviderEvent, type ReceivedEvent } from '../webhooks/receive-provider-event.ts';
import type { RefundDispatcher } from '../workers/refund-dispatcher.ts';

export interface WebhookRouteDeps {
  pool: Pool;
  refunds: RefundDispatcher;
  secrets: readonly string[];
  toleranceSeconds: number;
  now: () => Date;
  /** Per provider address: a budget of its own, apart from the bearer-token routes'. */
  rateLimit: Budget;
}

const envelopeOnly = z.object({ id: z.string().min(1).max(100), type: z.string().min(1).max(64) });
const knownTypes = new Set(['payment.succeeded', 'payment.failed', 'refund.succeeded']);

function parseEvent(rawBody: string): ReceivedEvent['event'] {
  let json: unknown;
  try {
    json = JSON.parse(rawBody);
  } catch {
    throw new AppError('WEBHOOK_PAYLOAD_INVALID', 400, 'webhook body is not JSON');
  }
  const head = envelopeOnly.safeParse(json);
  if (!head.success) throw new AppError('WEBHOOK_PAYLOAD_INVALID', 400, 'webhook body lacks an event id or type');
  // A signed event of a type we do not act on is stored and acknowledged, so it is not retried forever.
  if (!knownTypes.has(head.data.type)) return { id: head.data.id, type: head.data.type, known: false };
  const parsed = providerEventSchema.safeParse(json);
  if (!parsed.success) throw new AppError('WEBHOOK_PAYLOAD_INVALID', 400, 'webhook body does not match its event type', { issues: parsed.error.issues.map((i) => i.message) });
  return parsed.data;
}

export async function webhooksRoutes(app: FastifyInstance, deps: WebhookRouteDeps) {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post('/v1/webhooks/provider', { onRequest: limitByAddress('webhook', deps.rateLimit) }, async (request, reply) => {
    const rawBody = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const header = request.headers['provider-signature'];
    const check = verifyProviderSignature({
      header: Array.isArray(header) ? header[0] : header,
      rawBody,
      secrets: deps.secrets,
      now: deps.now(),
      toleranceSeconds: deps.toleranceSeconds,
    });
    if (!check.ok) throw new AppError('WEBHOOK_SIGNATURE_INVALID', 400, 'webhook signature rejected', { reason: check.reason });

    const text = rawBody.toString('utf8');
    const event = parseEvent(text);
    let result;
    try {
      result = await receiveProviderEvent(deps.pool, { event, rawBody: text, signedAt: check.signedAt }, deps.now());
    } catch (error) {
      // Nothing was stored: a non-2xx makes the provider deliver the event again later.
      request.log.error({ err: error, provider_event_id: event.id }, 'webhook could not be stored');
      throw unavailable('the webhook could not be stored; retry later', { provider_event_id: event.id });
    }
    for (const refundId of result.refundsToSubmit) void deps.refunds.submit(refundId);
    return reply.status(200).send({ received: true, event_id: event.id, outcome: result.outcome, duplicate: result.duplicate });
  });
}
