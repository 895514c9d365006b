import { signWebhook } from '@flash-sale/provider-sim-service';
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { WEBHOOK_SECRET } from './payment-harness.ts';

export interface ProviderEventInput {
  id?: string;
  type: 'payment.succeeded' | 'payment.failed' | 'refund.succeeded';
  data: Record<string, unknown>;
}

export const providerEvent = (input: ProviderEventInput) => ({
  id: input.id ?? `evt_${randomUUID().replaceAll('-', '')}`,
  type: input.type,
  created: Math.floor(Date.now() / 1000),
  data: input.data,
});

/** Posts a body signed as the provider signs it, or as told (secret, time, bytes signed). */
export async function postWebhook(app: FastifyInstance, body: string, options: { secret?: string; timestamp?: number; signedBody?: string } = {}) {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = signWebhook(options.secret ?? WEBHOOK_SECRET, options.signedBody ?? body, timestamp);
  return app.inject({
    method: 'POST',
    url: '/v1/webhooks/provider',
    headers: { 'content-type': 'application/json', 'provider-signature': signature },
    payload: body,
  });
}
