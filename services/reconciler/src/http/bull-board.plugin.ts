/**
 * bull-board over the reconciliation queue at /ops/queues. The queues serve every tenant (pausing
 * one stops every tenant's repairs), so only `platform-ops` may open it.
 */
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { requireRole } from '@flash-sale/service-kit';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';

export const BULL_BOARD_PATH = '/ops/queues';

export async function bullBoard(app: FastifyInstance, options: { queues: readonly Queue[] }): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({ queues: options.queues.map((queue) => new BullMQAdapter(queue, { readOnlyMode: false })), serverAdapter });
  await app.register(async (scope) => {
    scope.addHook('onRequest', requireRole('platform-ops'));
    await scope.register(serverAdapter.registerPlugin(), { prefix: BULL_BOARD_PATH });
  });
}
