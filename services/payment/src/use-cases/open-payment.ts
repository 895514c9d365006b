/**
 * Opens (or resumes) the payment of an order for its owner. The payment row is committed before
 * the provider is called, so a webhook can never arrive for a payment we have not recorded; the
 * provider call is idempotent on our payment id, so a retry after a timeout resumes the same one.
 */
import { AppError, conflict, notFound, type Principal, withTransaction } from '@flash-sale/service-kit';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'mysql2/promise';
import { findOrderView } from '../infra/order-view.repository.ts';
import { attachProviderPayment, findLivePaymentOfOrder, findPayment, insertPayment, type Payment } from '../infra/payment.repository.ts';
import { PaymentProviderError, type PaymentProvider } from '../infra/payment-provider.client.ts';

export async function openPayment(
  deps: { pool: Pool; provider: PaymentProvider; now: () => Date },
  principal: Principal,
  orderId: string,
): Promise<{ payment: Payment; created: boolean }> {
  const { pool, provider, now } = deps;
  const opened = await withTransaction(pool, async (tx) => {
    // The order row lock serialises concurrent attempts for the same order.
    const order = await findOrderView(tx, orderId, { forUpdate: true });
    // Another tenant's or user's order is reported as absent, not as forbidden: no existence leak.
    if (!order || order.tenantId !== principal.tenantId || order.userId !== principal.userId) throw notFound('order', { order_id: orderId });
    const live = await findLivePaymentOfOrder(tx, orderId);
    if (live?.status === 'COMPLETED') throw conflict('ORDER_ALREADY_PAID', 'the order is already paid', { order_id: orderId, payment_id: live.id });
    if (order.status !== 'PENDING' || order.expiresAt.getTime() <= now().getTime()) {
      throw conflict('ORDER_NOT_PAYABLE', 'the order can no longer be paid', { order_id: orderId, status: order.status });
    }
    if (live) return { paymentId: live.id, created: false };
    const id = randomUUID();
    await insertPayment(
      tx,
      { id, orderId, tenantId: order.tenantId, userId: order.userId, amountMinor: order.totalMinor, currency: order.currency },
      'shopper.opened',
      now(),
    );
    return { paymentId: id, created: true };
  });

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
