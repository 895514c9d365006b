/**
 * The request path of a flash-sale order: claim the Idempotency-Key and reserve, in one Redis Lua
 * script (it decides: earlier request with the key, window, per-user limit, stock) → group-committed MySQL write (order PENDING, item,
 * history, outbox `order.created`, idempotency record) → 201. A failed MySQL write releases the
 * hold at once; if that fails too, the hold is left for reconciliation and logged. A write the
 * sale's write fence refuses (the sale was rebuilt in Redis since the reservation) is answered 503
 * SALE_RECOVERING: its hold is released, its key freed, and the retry reserves on the rebuilt sale.
 * Each step registers its undo as it takes effect (the key's claim, then the hold), and each exit
 * runs the undos its failure calls for (`Compensations`); none after the order is written.
 */
import { randomUUID } from 'node:crypto';
import { orderCreated, prepareEvent } from '@flash-sale/events';
import type { Logger } from '@flash-sale/service-kit';
import type { ReserveRefusal, SoldOutHint, StockReservations } from '@flash-sale/stock-reservations';
import { orderResource, type Order, type OrderResource } from '../domain/order.ts';
import { DuplicateIdempotencyKeyError, SaleRebuiltError, type OrderBatchWriter } from '../infra/order-batch-writer.ts';
import {
  IDEMPOTENCY_RETENTION_MS,
  IN_FLIGHT_TTL_MS,
  requestHash,
  type ClaimOutcome,
  type IdempotencyScope,
  type IdempotencyStore,
} from '../infra/idempotency.store.ts';
import type { SaleDirectory, SaleRebuildRequester } from '../infra/sale-directory.ts';
import { Compensations } from './compensations.ts';
import { ordersUnavailable, saleRecovering } from './order-errors.ts';

export interface PlaceOrderDeps {
  reservations: StockReservations;
  idempotency: IdempotencyStore;
  writer: OrderBatchWriter;
  soldOut: SoldOutHint;
  logger: Logger;
  now: () => Date;
  /**
   * Asked when Redis says "sale not found": a sale the books know as armed and not ended lost its
   * Redis keys (or is being rebuilt), so the buyer gets 503 SALE_RECOVERING and a rebuild is asked
   * for. Without it, "not found" is taken as it comes (404).
   */
  sales?: { directory: SaleDirectory; rebuilds: SaleRebuildRequester };
}

export interface PlaceOrderInput {
  tenantId: string;
  userId: string;
  idempotencyKey: string;
  body: { sale_id: string; quantity: number };
  correlationId: string;
  traceId?: string;
}

/** A response kept for the key (Redis, or MySQL's `idempotency_keys`): an order's, as first answered. */
export interface StoredAnswer {
  status: number;
  order: OrderResource;
}

/**
 * How a request to place an order ended. A failure the client retries with the same key (a store
 * that does not answer, a sale being rebuilt: 503) is thrown instead.
 */
export type PlaceOrderOutcome =
  /** The order is written, PENDING until paid. */
  | { kind: 'placed'; order: OrderResource }
  /** The write was reported failed, yet MySQL holds the order: its answer, as the first answer to this request. */
  | { kind: 'placed-despite-failed-write'; answer: StoredAnswer }
  /** An earlier request with the key and body was answered this. */
  | { kind: 'replayed'; answer: StoredAnswer }
  /** The sale refuses the order (no such sale, not open, ended, sold out, too few units, per-user limit). */
  | { kind: 'refused'; reason: ReserveRefusal; saleId: string; remaining: number }
  /** The key was used with another body. */
  | { kind: 'key-reused' }
  /** An earlier request with the key is still running. */
  | { kind: 'key-in-flight' };

const refused = (reason: ReserveRefusal, saleId: string, remaining: number): PlaceOrderOutcome => ({ kind: 'refused', reason, saleId, remaining });

/** A kept response body is the order resource the first answer sent (`orderResource`, stored as JSON). */
const storedAnswer = (status: number, body: string): StoredAnswer => ({ status, order: JSON.parse(body) as OrderResource });

/** What a request has done that a failure may have to undo: the key's claim, the units' hold. */
type Step = 'claim' | 'hold';

export async function placeOrder(deps: PlaceOrderDeps, input: PlaceOrderInput): Promise<PlaceOrderOutcome> {
  const saleId = input.body.sale_id;
  // Known sold out, and this buyer never held units there: no order of theirs to replay and
  // nothing Lua would grant, so the refusal needs no Redis call at all.
  if (deps.soldOut.refusesAtOnce(saleId, input.tenantId, input.userId)) return refused('SALE_SOLD_OUT', saleId, 0);

  const scope: IdempotencyScope = { tenantId: input.tenantId, userId: input.userId, key: input.idempotencyKey, saleId };
  const hash = requestHash({ sale_id: input.body.sale_id, quantity: input.body.quantity });
  const now = deps.now();
  // Known sold out: one look at the key (a retry of an accepted order must still replay its 201),
  // then the refusal, without claiming anything or asking the Lua script.
  if (deps.soldOut.isSoldOut(saleId)) {
    const seen = await deps.idempotency.peek(scope, hash);
    if (seen.kind !== 'claimed') return answerSeen(seen);
    learnSoldOutBuyers(deps, saleId);
    // A buyer of the sale whose key Redis does not know: its order may still be in MySQL.
    if (deps.soldOut.isKnownBuyer(saleId, input.tenantId, input.userId)) {
      const committed = await committedAnswer(deps, scope, hash);
      if (committed) return committed;
    }
    return refused('SALE_SOLD_OUT', saleId, 0);
  }

  // One script claims the key and takes the units, or says why not; a refusal leaves the key free.
  const orderId = randomUUID();
  const undo = new Compensations<Step>();
  // The script claims the key before it takes units: a later failure frees it, so the retry is not told to wait for a request that is over.
  undo.register('claim', () => deps.idempotency.abandon(scope).catch(() => undefined));
  let reservation;
  try {
    reservation = await deps.reservations.reserve({
      saleId,
      tenantId: input.tenantId,
      orderId,
      userId: input.userId,
      quantity: input.body.quantity,
      nowMs: now.getTime(),
      idempotency: { key: deps.idempotency.recordKey(scope), requestHash: hash, inFlightTtlMs: IN_FLIGHT_TTL_MS },
    });
  } catch (error) {
    deps.logger.error({ err: error, sale_id: saleId }, 'stock reservation failed');
    // The reply may have been lost after the script claimed the key: free it for the retry.
    await undo.undoAll('stock reservation failed');
    throw ordersUnavailable();
  }
  if (!reservation.ok) {
    // A refusal claimed nothing and took nothing.
    undo.discard();
    if (reservation.code === 'IDEMPOTENCY_KEY_SEEN') return answerSeen(reservation.seen);
    if (reservation.code === 'SALE_SOLD_OUT') {
      deps.soldOut.markSoldOut(saleId);
      learnSoldOutBuyers(deps, saleId);
    }
    if (reservation.code === 'SALE_NOT_FOUND' && deps.sales) {
      const ended = await refuseUnlessRecovering(deps, deps.sales, input.tenantId, saleId, now);
      if (ended) return ended;
    }
    if (reservation.code === 'PER_USER_LIMIT') {
      // The limit may be this very order: committed while Redis lost its key record (a write whose
      // answer was lost, a Redis restart), its units still counted against the buyer.
      const committed = await committedAnswer(deps, scope, hash);
      if (committed) return committed;
    }
    return refused(reservation.code, saleId, reservation.remaining);
  }

  const order: Order = {
    id: orderId,
    tenantId: input.tenantId,
    userId: input.userId,
    saleId,
    skuId: reservation.skuId,
    quantity: input.body.quantity,
    unitPriceMinor: reservation.unitPriceMinor,
    totalMinor: reservation.unitPriceMinor * input.body.quantity,
    currency: reservation.currency,
    status: 'PENDING',
    stockCommitted: false,
    paymentId: null,
    expiresAt: new Date(reservation.holdExpiresAtMs),
    createdAt: now,
    updatedAt: now,
  };
  undo.register('hold', (reason) => releaseHold(deps, order, reason));
  const resource = orderResource(order);
  const responseBody = JSON.stringify(resource);
  const event = prepareEvent(
    orderCreated,
    {
      order_id: order.id,
      sale_id: order.saleId,
      sku_id: order.skuId,
      quantity: order.quantity,
      user_id: order.userId,
      unit_price_minor: order.unitPriceMinor,
      total_minor: order.totalMinor,
      currency: order.currency,
      expires_at: order.expiresAt.toISOString(),
    },
    { source: 'order-service', tenantId: order.tenantId, correlationId: input.correlationId, ...(input.traceId ? { traceId: input.traceId } : {}) },
    now,
  );

  try {
    await deps.writer.write({
      order,
      writeEpoch: reservation.writeEpoch ?? 0,
      event,
      idempotency: {
        key: input.idempotencyKey,
        requestHash: hash,
        responseStatus: 201,
        responseBody,
        expiresAt: new Date(now.getTime() + IDEMPOTENCY_RETENTION_MS),
      },
    });
  } catch (error) {
    if (error instanceof DuplicateIdempotencyKeyError) {
      await undo.undo('idempotency-key-reused', 'hold');
      return replayCommitted(deps, undo, scope, hash, error);
    }
    if (error instanceof SaleRebuiltError) {
      // Nothing was written. On the rebuilt sale the release finds no hold (or one carried over for
      // this very write) and gives it back; the retry reserves again there.
      await undo.undoAll('sale-rebuilt');
      deps.logger.warn({ order_id: order.id, sale_id: saleId }, 'order not written: the sale was rebuilt since its reservation');
      throw saleRecovering(saleId);
    }
    return afterFailedWrite(deps, undo, order, scope, hash, error);
  }
  undo.discard();

  // Not awaited: the order is durable and MySQL holds its record, so the 201 need not wait for
  // Redis. The command is queued on this process's connection before the answer leaves, so a
  // retry through this process finds it; one through another process meanwhile gets 409 (in
  // flight, retry) at worst, and if Redis never takes it the retry is answered from MySQL.
  void deps.idempotency.complete(scope, hash, 201, responseBody).catch((error: unknown) => {
    deps.logger.warn({ err: error, order_id: order.id }, 'idempotency record not cached');
  });
  return { kind: 'placed', order: resource };
}

/**
 * The write failed as the process saw it, but a connection lost during COMMIT leaves the outcome
 * unknown: the order may be durable. Only MySQL can say, so it is asked before anything is undone:
 * - committed: the order stands; its 201 is the answer and its hold is kept (releasing it would
 *   give its units to a second buyer);
 * - not there: nothing was written; the hold is released and the key freed for the retry;
 * - MySQL does not answer: nothing is undone. The key's in-flight claim lapses for a retry, which
 *   then finds the order in MySQL or reserves again; a hold without an order is released by the
 *   reconciler's orphan-holds job.
 */
async function afterFailedWrite(
  deps: PlaceOrderDeps,
  undo: Compensations<Step>,
  order: Order,
  scope: IdempotencyScope,
  hash: string,
  error: unknown,
): Promise<PlaceOrderOutcome> {
  let record: Awaited<ReturnType<IdempotencyStore['committed']>>;
  try {
    record = await deps.idempotency.committed(scope);
  } catch (lookupError) {
    undo.discard();
    deps.logger.error(
      { err: error, lookup_err: lookupError, order_id: order.id },
      'order write failed and MySQL cannot say whether it committed; hold and key left for reconciliation',
    );
    throw ordersUnavailable();
  }
  if (record?.requestHash === hash) {
    undo.discard();
    deps.logger.warn({ err: error, order_id: order.id }, 'order write reported a failure but the order committed; answering its 201');
    await deps.idempotency.complete(scope, hash, record.status, record.body).catch(() => undefined);
    return { kind: 'placed-despite-failed-write', answer: storedAnswer(record.status, record.body) };
  }
  await undo.undo('order-write-failed', 'hold');
  deps.logger.error({ err: error, order_id: order.id }, 'order write failed; hold released');
  await undo.undo('order-write-failed', 'claim');
  throw ordersUnavailable();
}

/** The order MySQL holds for this key and body, answered again (and cached back in Redis); undefined when there is none. */
async function committedAnswer(deps: PlaceOrderDeps, scope: IdempotencyScope, hash: string): Promise<PlaceOrderOutcome | undefined> {
  const record = await deps.idempotency.committed(scope).catch((error: unknown) => {
    deps.logger.warn({ err: error }, 'could not read the committed Idempotency-Key record');
    return null;
  });
  if (record?.requestHash !== hash) return undefined;
  await deps.idempotency.complete(scope, hash, record.status, record.body).catch(() => undefined);
  return { kind: 'replayed', answer: storedAnswer(record.status, record.body) };
}

/** An earlier request with the same key answers: its response again, or why not. */
function answerSeen(seen: Exclude<ClaimOutcome, { kind: 'claimed' }>): PlaceOrderOutcome {
  if (seen.kind === 'mismatch') return { kind: 'key-reused' };
  if (seen.kind === 'in_flight') return { kind: 'key-in-flight' };
  return { kind: 'replayed', answer: storedAnswer(seen.status, seen.body) };
}

/** In the background: the requests that follow are refused at once once the buyers are known. */
function learnSoldOutBuyers(deps: PlaceOrderDeps, saleId: string): void {
  deps.soldOut
    .learnBuyers(saleId, (version, max) => deps.reservations.soldOutBuyers(saleId, version, max))
    .catch((error: unknown) => {
      // Without the list the hint still refuses after one idempotency look; nothing is lost.
      deps.logger.warn({ err: error, sale_id: saleId }, 'could not read the buyers of a sold-out sale');
    });
}

/**
 * Throws SALE_RECOVERING when the books know the sale as armed and live; the SALE_ENDED refusal
 * when they know it ended; undefined when it is truly unknown here.
 */
async function refuseUnlessRecovering(
  deps: PlaceOrderDeps,
  sales: NonNullable<PlaceOrderDeps['sales']>,
  tenantId: string,
  saleId: string,
  now: Date,
): Promise<PlaceOrderOutcome | undefined> {
  const sale = await sales.directory.lookup(tenantId, saleId);
  if (!sale?.armed) return undefined;
  // Its Redis keys are gone because it ended (or was ended early): say so rather than "not found".
  if (sale.endsAtMs <= now.getTime()) return refused('SALE_ENDED', saleId, 0);
  await sales.rebuilds.ask({ sale_id: saleId, tenant_id: tenantId, requested_by: 'order-service' }).catch((error: unknown) => {
    // The reconciler's detector finds the sale within seconds anyway; the buyer is told to retry either way.
    deps.logger.warn({ err: error, sale_id: saleId }, 'could not ask for a sale rebuild');
  });
  throw saleRecovering(saleId);
}

async function releaseHold(deps: PlaceOrderDeps, order: Order, reason: string): Promise<void> {
  try {
    await deps.reservations.release({ saleId: order.saleId, orderId: order.id, reason });
  } catch (error) {
    deps.logger.error({ err: error, order_id: order.id, sale_id: order.saleId }, 'hold release failed; left as an orphan for reconciliation');
  }
}

/** Redis forgot the key (flush, failover) but MySQL remembers the committed order. */
async function replayCommitted(
  deps: PlaceOrderDeps,
  undo: Compensations<Step>,
  scope: IdempotencyScope,
  hash: string,
  cause: Error,
): Promise<PlaceOrderOutcome> {
  const record = await deps.idempotency.committed(scope);
  if (!record) {
    deps.logger.error({ err: cause }, 'duplicate key on an order write that is not an idempotency replay');
    await undo.undo('duplicate key without a committed record', 'claim');
    throw ordersUnavailable();
  }
  if (record.requestHash !== hash) {
    // The key's first order was for another sale (its Redis record sits under that sale): free
    // this sale's claim so a retry is refused the same way, not told to wait.
    await undo.undo('idempotency-key-reused', 'claim');
    return { kind: 'key-reused' };
  }
  // The claim becomes the committed order's record.
  undo.discard();
  await deps.idempotency.complete(scope, hash, record.status, record.body).catch(() => undefined);
  return { kind: 'replayed', answer: storedAnswer(record.status, record.body) };
}
