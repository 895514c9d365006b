/** Test and demo controls: global faults, and every webhook delivery with its attempts. */
import { AppError } from '@flash-sale/service-kit';
import type { FastifyInstance } from 'fastify';
import { faultSettingsSchema } from '../domain/faults.ts';
import type { SimulatedProvider } from '../application/simulated-provider.ts';

export async function adminRoutes(app: FastifyInstance, deps: { provider: SimulatedProvider }) {
  const { provider } = deps;

  app.get('/v1/admin/faults', async () => provider.globalFaults);

  app.put('/v1/admin/faults', async (request) => {
    const parsed = faultSettingsSchema.safeParse(request.body ?? {});
    if (!parsed.success) throw new AppError('VALIDATION_FAILED', 400, 'request validation failed', { issues: parsed.error.issues.map((i) => i.message) });
    provider.globalFaults = parsed.data;
    return provider.globalFaults;
  });

  app.get<{ Querystring: { payment_id?: string } }>('/v1/admin/deliveries', async (request) => ({
    deliveries: provider.sender.deliveries({ ...(request.query.payment_id ? { paymentId: request.query.payment_id } : {}) }),
  }));
}
