/**
 * A principal the brokers refuse (docs/adr/0013-kafka-principals.md) surfaces as one error type,
 * whatever call was refused and however deep the client wrapped the broker's answer (a retry that
 * gave up, several partitions' errors at once).
 */

/** The broker's reason: `TOPIC_AUTHORIZATION_FAILED`, `GROUP_AUTHORIZATION_FAILED`, `CLUSTER_AUTHORIZATION_FAILED`, … or `SASL_AUTHENTICATION_FAILED`. */
export type KafkaRefusal = string;

export class KafkaAccessDeniedError extends Error {
  readonly refusal: KafkaRefusal;
  constructor(refusal: KafkaRefusal, options: { cause: unknown }) {
    super(`the brokers refused the principal: ${refusal} (${options.cause instanceof Error ? options.cause.message : String(options.cause)})`, options);
    this.name = 'KafkaAccessDeniedError';
    this.refusal = refusal;
  }
}

interface ClientError {
  name?: string;
  type?: string;
  errors?: unknown[];
  originalError?: unknown;
  cause?: unknown;
}

/** The refusal inside `error`, if the brokers refused: an authorization error type or a failed SASL sign-in. */
export function refusalOf(error: unknown, depth = 0): KafkaRefusal | undefined {
  if (!error || typeof error !== 'object' || depth > 5) return undefined;
  const known = error as ClientError;
  if (typeof known.type === 'string' && known.type.endsWith('_AUTHORIZATION_FAILED')) return known.type;
  if (known.name === 'KafkaJSSASLAuthenticationError') return 'SASL_AUTHENTICATION_FAILED';
  for (const inner of [...(Array.isArray(known.errors) ? known.errors : []), known.originalError, known.cause]) {
    const found = refusalOf(inner, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** `error` as a `KafkaAccessDeniedError` when the brokers refused the principal; otherwise as it was. */
export function transportError(error: unknown): unknown {
  if (error instanceof KafkaAccessDeniedError) return error;
  const refusal = refusalOf(error);
  return refusal ? new KafkaAccessDeniedError(refusal, { cause: error }) : error;
}

/** Runs `work`, rethrowing a refusal as `KafkaAccessDeniedError`. */
export async function refusable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw transportError(error);
  }
}
