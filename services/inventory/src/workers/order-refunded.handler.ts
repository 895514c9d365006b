/**
 * `order.refunded.v1`: a paid order's refund is audited (`refund`), and when `restock` is true its
 * units return to the books, to the sale in Redis, and `stock.released` says so. Exactly once, by
 * the guarded `committed → refunded` transition.
 */
import { RetryableError, assertTenant, followUpContext, prepareEvent, stockReleased, writeOutbox, type EventHandler } from '@flash-sale/events';
import { stockDeltaOf, stockReturnFor } from '@flash-sale/stock-books';
import { returnToSale } from '../infra/allocation.repository.ts';
import { appendAudit } from '../infra/audit.repository.ts';
import { lockReservation, transitionReservation } from '../infra/reservation.repository.ts';
import { lockSaleForAllocation } from '../infra/sale.repository.ts';
import type { HandlerDeps } from './order-created.handler.ts';
import { SOURCE, type OrderRefundedView } from './order-line.ts';

export function orderRefundedHandler(deps: HandlerDeps): EventHandler<OrderRefundedView> {
  return async (event, ctx) => {
    const refund = event.payload;
    const tenantId = event.metadata.tenant_id;
    // Sale row before reservation row, in every handler: two events of one order never deadlock.
    const sale = await lockSaleForAllocation(ctx.tx, refund.sale_id);
    if (sale) assertTenant(event, { kind: 'flash_sale', id: sale.id, tenantId: sale.tenantId });
    const existing = await lockReservation(ctx.tx, refund.order_id);
    if (!existing) {
      // Topics are not ordered against each other: the creation may still be on its way.
      throw new RetryableError(`order ${refund.order_id} refunded before its creation reached the books`);
    }
    assertTenant(event, { kind: 'stock_reservation', id: refund.order_id, tenantId: existing.tenantId });
    if (existing.status !== 'committed') {
      ctx.logger.info({ order_id: refund.order_id, status: existing.status }, 'refund does not apply to this reservation; nothing to do');
      return;
    }
    const move = stockReturnFor('refunded');
    if (!(await transitionReservation(ctx.tx, refund.order_id, 'committed', move.reservation, 'refunded'))) {
      throw new Error(`reservation ${refund.order_id} left 'committed' while locked`);
    }
    const quantity = existing.quantity;
    if (refund.restock) await returnToSale(ctx.tx, { tenantId, saleId: existing.saleId, skuId: existing.skuId, quantity }, sale);
    await appendAudit(ctx.tx, {
      tenantId,
      skuId: existing.skuId,
      saleId: existing.saleId,
      operation: move.operation,
      quantity,
      stockDelta: stockDeltaOf(quantity, refund.restock),
      refId: refund.order_id,
      eventId: event.id,
    });
    if (!refund.restock) return;

    const payload = { order_id: refund.order_id, sale_id: existing.saleId, sku_id: existing.skuId, quantity, reason: 'refunded' as const };
    await writeOutbox(ctx.tx, [prepareEvent(stockReleased, payload, followUpContext(event, ctx.traceparent, SOURCE), deps.now())]);
    await deps.reservations.release({ saleId: existing.saleId, orderId: refund.order_id, reason: 'refunded', restock: true });
  };
}
