import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/** A readiness check makes a real call (SELECT 1, PING, describeCluster) and throws when it fails. */
export interface ReadinessCheck {
  name: string;
  check: () => Promise<void>;
}

export interface HealthOptions {
  checks: ReadinessCheck[];
  /** A check slower than this counts as failed, so a hung dependency cannot hang the probe. */
  timeoutMs?: number;
}

const withTimeout = async (promise: Promise<void>, ms: number) => {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
};

export const healthPlugin = fp(
  async (app: FastifyInstance, options: HealthOptions) => {
    const timeoutMs = options.timeoutMs ?? 2000;
    let closing = false;
    app.addHook('onClose', async () => {
      closing = true;
    });

    app.get('/health/live', { logLevel: 'warn' }, async () => ({ status: 'ok' }));

    app.get('/health/ready', { logLevel: 'warn' }, async (_request, reply) => {
      const results = await Promise.all(
        options.checks.map(async ({ name, check }) => {
          try {
            await withTimeout(check(), timeoutMs);
            return { name, ok: true as const };
          } catch (error) {
            return { name, ok: false as const, error: (error as Error).message };
          }
        }),
      );
      const ready = !closing && results.every((result) => result.ok);
      const checks = Object.fromEntries(results.map((r) => [r.name, r.ok ? 'ok' : `failed: ${r.error}`]));
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', checks });
    });
  },
  { name: 'health' },
);
