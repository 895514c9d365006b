import { createBaseApp, type Logger } from '@flash-sale/service-kit';
import type { TrustProxy } from '@flash-sale/config';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { PaymentStore } from './infra/payment-store.ts';
import { adminRoutes } from './http/admin.routes.ts';
import { paymentsRoutes } from './http/payments.routes.ts';
import { SimulatedProvider } from './application/simulated-provider.ts';
import { WebhookSender, type RetryPolicy } from './infra/webhook-sender.ts';

export interface SimulatorAppDeps {
  logger: Logger;
  metrics: Registry;
  publicUrl: string;
  webhookUrl: string;
  webhookSecret: string;
  retry: RetryPolicy;
  autoCompleteMs: number;
  now: () => Date;
  /** The proxies whose X-Forwarded-For names the client (TRUST_PROXY); none when unset. */
  trustProxy?: TrustProxy | undefined;
}

/** The payment-provider simulator as a fastify instance; it never listens. */
export async function buildSimulatorApp(deps: SimulatorAppDeps): Promise<{ app: FastifyInstance; provider: SimulatedProvider }> {
  const app = await createBaseApp({ logger: deps.logger, metrics: deps.metrics, readiness: [], trustProxy: deps.trustProxy });
  const sender = new WebhookSender({ url: deps.webhookUrl, secret: deps.webhookSecret, retry: deps.retry, logger: deps.logger, now: deps.now });
  const provider = new SimulatedProvider({ store: new PaymentStore(deps.publicUrl), sender, now: deps.now });
  app.addHook('onClose', async () => provider.stop());
  await app.register(paymentsRoutes, { provider, autoCompleteMs: deps.autoCompleteMs });
  await app.register(adminRoutes, { provider });
  return { app, provider };
}
