/**
 * How an order reacts to payments and stock. Each handler runs in the consumer runtime's
 * transaction together with its dedupe row, so a redelivered event changes nothing twice.
 *
 * - `payment.completed` → PAID, and CONFIRMED at once if the stock is already committed.
 *   A payment for an order already EXPIRED or CANCELLED changes nothing here: the payment
 *   service refunds it (it knows the order's fate from the same order events). An order already
 *   PAID (the expiry sweep asked the payment service first) is left as it is.
 * - `stock.committed` → marks the stock committed; a PAID order becomes CONFIRMED.
 * - `payment.failed` → no transition: the order stays PENDING so the shopper may pay again
 *   before `expires_at`; expiry or cancellation then returns its stock.
 * - `payment.refunded` → REFUNDED and `order.refunded` (restock only before shipment).
 *
 * Each handler sees only the fields `order.contract.ts` declares, and refuses (`assertTenant`) an
 * event whose tenant does not own the order it would change.
 */
import { assertTenant, contractHandlers, followUpContext, orderRefunded, prepareEvent, writeOutbox, type ContractHandlers, type EventHandler } from '@flash-sale/events';
import type { PoolConnection } from 'mysql2/promise';
import { restocksOnRefund } from '../domain/order-status.ts';
import { confirmIfReady, findOrder, markStockCommitted, transitionOrder } from '../infra/order.repository.ts';
import { orderContract } from './order.contract.ts';

type Handlers = ContractHandlers<typeof orderContract>;

const SOURCE = 'order-service';

/** The order, locked, once the event's tenant is known to own it; null when there is no such order. */
async function lockOwnedOrder(tx: PoolConnection, event: { metadata: { tenant_id: string } }, orderId: string) {
  const order = await findOrder(tx, orderId, { forUpdate: true });
  if (order) assertTenant(event, { kind: 'order', id: order.id, tenantId: order.tenantId });
  return order;
}

export function orderEventHandlers(now: () => Date): Record<string, EventHandler> {
  const paymentCompleted: Handlers['payment.completed.v1'] = async (event, ctx) => {
    const at = now();
    const result = await transitionOrder(ctx.tx, {
      orderId: event.payload.order_id,
      checkTenant: (tenantId) => assertTenant(event, { kind: 'order', id: event.payload.order_id, tenantId }),
      command: 'pay',
      cause: `payment ${event.payload.payment_id} completed (transaction ${event.payload.transaction_id})`,
      sourceEventId: event.id,
      now: at,
      set: { paymentId: event.payload.payment_id },
    });
    if (!result.ok) {
      if (result.current === 'EXPIRED' || result.current === 'CANCELLED') {
        ctx.logger.warn({ order_id: event.payload.order_id, status: result.current }, 'payment completed for an order that cannot be paid; the payment service refunds it');
      } else {
        // The expiry sweep or the reconciler asked the payment service and applied this payment first.
        ctx.logger.info({ order_id: event.payload.order_id, status: result.current }, 'payment completed for an order already past PENDING; nothing to do');
      }
      return;
    }
    await confirmIfReady(ctx.tx, { orderId: event.payload.order_id, sourceEventId: event.id, now: at });
  };

  const stockCommitted: Handlers['stock.committed.v1'] = async (event, ctx) => {
    const at = now();
    await lockOwnedOrder(ctx.tx, event, event.payload.order_id);
    await markStockCommitted(ctx.tx, event.payload.order_id, at);
    await confirmIfReady(ctx.tx, { orderId: event.payload.order_id, sourceEventId: event.id, now: at });
  };

  const paymentFailed: Handlers['payment.failed.v1'] = async (event, ctx) => {
    ctx.logger.info({ order_id: event.payload.order_id, reason: event.payload.reason }, 'payment failed; the order waits for another payment, cancellation or expiry');
  };

  const paymentRefunded: Handlers['payment.refunded.v1'] = async (event, ctx) => {
    const at = now();
    const order = await lockOwnedOrder(ctx.tx, event, event.payload.order_id);
    if (!order) throw new Error(`refund for unknown order ${event.payload.order_id}`);
    const result = await transitionOrder(ctx.tx, {
      orderId: order.id,
      command: 'refund',
      cause: `payment ${event.payload.payment_id} refunded: ${event.payload.reason}`,
      sourceEventId: event.id,
      now: at,
    });
    if (!result.ok) {
      // A refund of a late payment for an expired or cancelled order: its stock already came back.
      ctx.logger.info({ order_id: order.id, status: result.current }, 'refund recorded for an order that was never paid');
      return;
    }
    await writeOutbox(ctx.tx, [
      prepareEvent(
        orderRefunded,
        { order_id: order.id, sale_id: order.saleId, sku_id: order.skuId, quantity: order.quantity, payment_id: event.payload.payment_id, restock: restocksOnRefund(result.from) },
        followUpContext(event, ctx.traceparent, SOURCE),
        at,
      ),
    ]);
  };

  return contractHandlers(orderContract, {
    'payment.completed.v1': paymentCompleted,
    'payment.failed.v1': paymentFailed,
    'payment.refunded.v1': paymentRefunded,
    'stock.committed.v1': stockCommitted,
  });
}
