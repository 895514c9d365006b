/**
 * bull-board over the reconciliation queue at /ops/queues. The queues serve every tenant (pausing
 * one stops every tenant's repairs), so only `platform-ops` may open it.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { AppError, errorBody, requireRole } from '@flash-sale/service-kit';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';

export const BULL_BOARD_PATH = '/ops/queues';

export async function bullBoard(app: FastifyInstance, options: { queues: readonly Queue[] }): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({ queues: options.queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: false })), serverAdapter });
  await app.register(async (scope) => {
    const platformOpsOnly = requireRole('platform-ops');
    // bull-board's plugin installs an error handler of its own, which would answer a refusal in its
    // shape; the refusal is sent here in ours instead of thrown into it.
    scope.addHook('onRequest', async (request, reply) => {
      try {
        await platformOpsOnly(request, reply);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        if (error.retryAfterSeconds !== undefined) void reply.header('retry-after', String(error.retryAfterSeconds));
        return reply.status(error.statusCode).send(errorBody(error.code, error.message, error.details));
      }
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: BULL_BOARD_PATH });
  });
}
