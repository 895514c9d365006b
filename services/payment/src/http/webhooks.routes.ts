/**
 * The provider's webhook inbox. Its own plugin scope, because JSON must reach the handler as the
 * raw bytes that were signed, not as a parsed and re-serialisable object.
 */
import { AppError, counter, errorResponses, limitByAddress, unavailable, type Budget } from '@flash-sale/service-kit';
import type { FieldKeyring } from '@flash-sale/events';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { Pool } from 'mysql2/promise';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { providerEventSchema } from '../domain/provider-event.ts';
import { verifyProviderSignature } from '../domain/provider-signature.ts';
import { receiveProviderEvent, type ReceivedEvent } from '../application/receive-provider-event.ts';
import type { RefundDispatcher } from '../workers/refund-dispatcher.ts';
import { webhookBody, webhookHeaders, webhookReceived } from './payment.schemas.ts';

export interface WebhookRouteDeps {
  pool: Pool;
  refunds: RefundDispatcher;
  secrets: readonly string[];
  toleranceSeconds: number;
  now: () => Date;
  /** Per provider address: a budget of its own, apart from the bearer-token routes'. */
  rateLimit: Budget;
  /** Seal the restricted fields of the events a webhook causes. */
  fieldKeys?: FieldKeyring | undefined;
  metrics: Registry;
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
  if (!parsed.success)
    throw new AppError('WEBHOOK_PAYLOAD_INVALID', 400, 'webhook body does not match its event type', { issues: parsed.error.issues.map((i) => i.message) });
  return parsed.data;
}

export const webhooksRoutes: FastifyPluginAsyncZod<WebhookRouteDeps> = async (app, deps) => {
  // A signed event the inbox refused (REFUSED_*, UNKNOWN_PAYMENT) is still answered 200, so the
  // provider stops delivering it: the HTTP status does not show it, this count does.
  const outcomes = counter(deps.metrics, 'payment_webhook_events_total', 'Signed provider events the webhook stored or matched, by inbox outcome', ['outcome']);
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.post(
    '/v1/webhooks/provider',
    {
      onRequest: limitByAddress('webhook', deps.rateLimit),
      schema: {
        summary: "The payment provider's signed webhook",
        description:
          'No bearer token: the Provider-Signature header (an HMAC of the raw body with a shared secret) authenticates the provider. The event is stored in the inbox in the transaction that applies it, then acknowledged; a redelivery is acknowledged as a duplicate with no second effect.',
        headers: webhookHeaders,
        body: webhookBody,
        response: {
          200: webhookReceived,
          ...errorResponses({
            400: 'the signature is missing, wrong or stale (WEBHOOK_SIGNATURE_INVALID), or the body is not a provider event (WEBHOOK_PAYLOAD_INVALID)',
            429: "over the provider address's budget; Retry-After says when to deliver again",
            503: 'the event could not be stored; deliver it again later',
          }),
        },
      },
    },
    async (request, reply) => {
      const rawBody = request.body;
      const header = request.headers['provider-signature'];
      const check = verifyProviderSignature({
        header,
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
        result = await receiveProviderEvent(deps.pool, { event, rawBody: text, signedAt: check.signedAt }, deps.now(), deps.fieldKeys);
      } catch (error) {
        // Nothing was stored: a non-2xx makes the provider deliver the event again later.
        request.log.error({ err: error, provider_event_id: event.id }, 'webhook could not be stored');
        throw unavailable('the webhook could not be stored; retry later', { provider_event_id: event.id });
      }
      outcomes.inc({ outcome: result.outcome });
      for (const refundId of result.refundsToSubmit) void deps.refunds.submit(refundId);
      return reply.status(200).send({ received: true, event_id: event.id, outcome: result.outcome, duplicate: result.duplicate });
    },
  );
};
