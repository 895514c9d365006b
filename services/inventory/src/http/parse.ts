import { validationFailed } from '@flash-sale/service-kit';
import type { z } from 'zod';

/** Validates with zod and reports failures in the error contract, shaped like fastify's own. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, context: 'body' | 'params' | 'headers'): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  throw validationFailed('request validation failed', {
    context,
    issues: result.error.issues.map((issue) => ({ path: `/${issue.path.join('/')}`, message: issue.message })),
  });
}
