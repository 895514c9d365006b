/**
 * Opens (or resumes) the payment of an order for its owner. The payment row is committed before
 * the provider is called, so a webhook can never arrive for a payment we have not recorded; the
 * provider call is idempotent on our payment id, so a retry after a timeout resumes the same one.
 *
 * The order view is fed by Kafka and may not have seen an order placed a moment ago. A client is
 * never told that a real order does not exist: an order missing from the view is asked of the
 * order service, and learned into the view the way `order.created` would have put it there (the
 * event, when it comes, then changes nothing). Only the order service's own "no such order" is a
 * 404; without its answer the client is asked to come back (425 with Retry-After).
 */
import { AppError, conflict, notFound, type Principal, withTransaction } from '@flash-sale/service-kit';
import { randomBytes, randomUUID } from 'node:crypto';
import type { Pool } from 'mysql2/promise';
import { endOrderView, findOrderView, insertOrderView } from '../infra/order-view.repository.ts';
import type { OrderDirectory } from '../infra/order-service.client.ts';
import { attachProviderPayment, findLivePaymentOfOrder, findPayment, insertPayment, type Payment } from '../infra/payment.repository.ts';
import { PaymentProviderError, type PaymentProvider } from '../infra/payment-provider.client.ts';

/** Seconds a client waits before asking again about an order nobody could confirm yet. */
export const ORDER_NOT_YET_KNOWN_RETRY_AFTER_SECONDS = 1;

export interface OpenPaymentDeps {
  pool: Pool;
  provider: PaymentProvider;
  orders: OrderDirectory;
  now: () => Date;
}

export async function openPayment(
  deps: OpenPaymentDeps,
  principal: Principal,
  orderId: string,
  context: { traceId?: string | undefined } = {},
): Promise<{ payment: Payment; created: boolean }> {
  const { pool, provider, now } = deps;
  let opened = await openOrResume(deps, principal, orderId);
  if (opened === 'order-not-in-view') {
    await learnOrder(deps, principal, orderId, context.traceId);
    opened = await openOrResume(deps, principal, orderId);
    if (opened === 'order-not-in-view') throw notFound('order', { order_id: orderId });
  }

  let payment = await findPayment(pool, opened.paymentId);
  if (!payment) throw new Error(`payment ${opened.paymentId} vanished after commit`);
  if (payment.providerPaymentId === null) {
    try {
      const atProvider = await provider.createPayment({
        amountMinor: payment.amountMinor,
        currency: payment.currency,
        reference: payment.id,
        description: `order ${payment.orderId}`,
        idempotencyKey: payment.id,
      });
      await attachProviderPayment(pool, payment.id, atProvider.providerPaymentId, atProvider.redirectUrl, now());
    } catch (error) {
      if (error instanceof PaymentProviderError) {
        // The PENDING payment stays; the client's retry resumes it with the same idempotency key.
        throw new AppError('PAYMENT_PROVIDER_UNAVAILABLE', 502, 'the payment provider could not open the payment; retry', { payment_id: payment.id });
      }
      throw error;
    }
    payment = (await findPayment(pool, payment.id)) ?? payment;
  }
  return { payment, created: opened.created };
}

/**
 * The payment row of the order, opened or resumed, in one transaction under the order row's lock;
 * 'order-not-in-view' when the Kafka-fed view has no such order (yet).
 */
async function openOrResume(
  deps: OpenPaymentDeps,
  principal: Principal,
  orderId: string,
): Promise<{ paymentId: string; created: boolean } | 'order-not-in-view'> {
  return withTransaction(deps.pool, async (tx) => {
    // The order row lock serialises concurrent attempts for the same order.
    const order = await findOrderView(tx, orderId, { forUpdate: true });
    if (!order) return 'order-not-in-view';
    // Another tenant's or user's order is reported as absent, not as forbidden: no existence leak.
    if (order.tenantId !== principal.tenantId || order.userId !== principal.userId) throw notFound('order', { order_id: orderId });
    const live = await findLivePaymentOfOrder(tx, orderId);
    if (live?.status === 'COMPLETED') throw conflict('ORDER_ALREADY_PAID', 'the order is already paid', { order_id: orderId, payment_id: live.id });
    if (order.status !== 'PENDING' || order.expiresAt.getTime() <= deps.now().getTime()) {
      throw conflict('ORDER_NOT_PAYABLE', 'the order can no longer be paid', { order_id: orderId, status: order.status });
    }
    if (live) return { paymentId: live.id, created: false };
    const id = randomUUID();
    await insertPayment(
      tx,
      { id, orderId, tenantId: order.tenantId, userId: order.userId, amountMinor: order.totalMinor, currency: order.currency },
      'shopper.opened',
      deps.now(),
    );
    return { paymentId: id, created: true };
  });
}

/**
 * Asks the order service for an order the view lacks and records its answer in the view. The
 * HTTP call runs outside any transaction; the insert is the order.created handler's own (a row
 * already there wins), so a racing event and this read agree.
 */
async function learnOrder(deps: OpenPaymentDeps, principal: Principal, orderId: string, traceId: string | undefined): Promise<void> {
  const answer = await deps.orders.lookup(orderId, principal.tenantId);
  if (answer.kind === 'unreachable') {
    throw new AppError(
      'ORDER_NOT_YET_KNOWN',
      425,
      'the order cannot be confirmed yet; retry shortly',
      { order_id: orderId },
      { retryAfterSeconds: ORDER_NOT_YET_KNOWN_RETRY_AFTER_SECONDS },
    );
  }
  // Another user's order is reported as absent, like in the view: no existence leak.
  if (answer.kind === 'absent' || answer.order.userId !== principal.userId) throw notFound('order', { order_id: orderId });
  const { order } = answer;
  const ended = order.status === 'CANCELLED' || order.status === 'EXPIRED' ? order.status : null;
  // PAID and later were paid through this service, whose view then knows the order; nothing to learn.
  if (order.status !== 'PENDING' && !ended) throw conflict('ORDER_NOT_PAYABLE', 'the order can no longer be paid', { order_id: orderId, status: order.status });
  const at = deps.now();
  await withTransaction(deps.pool, async (tx) => {
    await insertOrderView(
      tx,
      {
        orderId: order.orderId,
        tenantId: order.tenantId,
        userId: order.userId,
        totalMinor: order.totalMinor,
        currency: order.currency,
        expiresAt: order.expiresAt,
        // The order's trace, as order.created would have brought it; else the request's.
        traceId: order.traceId ?? traceId ?? randomBytes(16).toString('hex'),
        eventId: null,
      },
      at,
    );
    if (ended) await endOrderView(tx, order.orderId, ended, null, at);
  });
}
