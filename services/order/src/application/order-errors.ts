import { AppError, errorBody } from '@flash-sale/service-kit';
import type { ReserveRefusal } from '@flash-sale/stock-reservations';

const refusals: Record<ReserveRefusal, { status: number; message: string }> = {
  SALE_NOT_FOUND: { status: 404, message: 'no such sale' },
  SALE_NOT_OPEN: { status: 409, message: 'the sale has not started yet' },
  SALE_ENDED: { status: 409, message: 'the sale has ended' },
  SALE_SOLD_OUT: { status: 409, message: 'the sale is sold out' },
  INSUFFICIENT_STOCK: { status: 409, message: 'not enough stock left for this quantity' },
  PER_USER_LIMIT: { status: 409, message: 'this order would exceed the per-user limit of the sale' },
};

/**
 * A refusal is an answer, not a fault: a 4xx is never logged with its stack. Thrown from deep in
 * fastify's hooks by a sold-out stampede, capturing that stack cost about as much as the rest of
 * the refusal, so it is not captured.
 */
export const reserveRefused = (code: ReserveRefusal, details: Record<string, unknown>) => {
  const { status, message } = refusals[code];
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new AppError(code, status, message, details);
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
};

/**
 * The sold-out refusal as the error handler would send it, serialised once per sale: a stampede on
 * a sold-out sale is answered with these bytes, without building an error or running the
 * serialiser per request. Only sales known sold out are kept, so their count bounds the map.
 */
const soldOutRefusals = new Map<string, string>();
export const soldOutRefusal = (saleId: string): { status: number; json: string } => {
  let json = soldOutRefusals.get(saleId);
  if (json === undefined) {
    json = JSON.stringify(errorBody('SALE_SOLD_OUT', refusals.SALE_SOLD_OUT.message, { sale_id: saleId, remaining: 0 }));
    soldOutRefusals.set(saleId, json);
  }
  return { status: refusals.SALE_SOLD_OUT.status, json };
};

export const idempotencyKeyMissing = () =>
  new AppError('IDEMPOTENCY_KEY_MISSING', 400, 'the Idempotency-Key header is required for this request', { header: 'Idempotency-Key' });
export const idempotencyKeyReused = () => new AppError('IDEMPOTENCY_KEY_REUSED', 422, 'this Idempotency-Key was already used with a different request body');
export const idempotencyInFlight = () =>
  new AppError('IDEMPOTENCY_REQUEST_IN_FLIGHT', 409, 'a request with this Idempotency-Key is still being processed; retry later');
export const orderNotFound = (orderId: string) => new AppError('ORDER_NOT_FOUND', 404, 'order not found', { order_id: orderId });
export const illegalTransition = (orderId: string, status: string, command: string) =>
  new AppError('ORDER_TRANSITION_REFUSED', 409, `an order in status ${status} cannot be ${command}ed`, { order_id: orderId, status, command });
/** Seconds a buyer is told to wait while a sale's Redis keys are rebuilt from the books. */
export const SALE_RECOVERING_RETRY_AFTER_SECONDS = 2;
export const saleRecovering = (saleId: string) =>
  new AppError(
    'SALE_RECOVERING',
    503,
    'the sale is being restored after a storage failure; retry shortly with the same Idempotency-Key',
    { sale_id: saleId },
    {
      retryAfterSeconds: SALE_RECOVERING_RETRY_AFTER_SECONDS,
    },
  );
/**
 * A store did not answer, or no Redis replica acknowledged a reservation in time (ADR 0009): a
 * passing state the client retries with the same key. The cause is logged where it happened.
 */
export const ordersUnavailable = () =>
  new AppError('SERVICE_UNAVAILABLE', 503, 'orders cannot be accepted right now; retry with the same Idempotency-Key', {}, { retryAfterSeconds: 1 });
