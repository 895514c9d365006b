/**
 * `order.cancelled.v1` and `order.expired.v1`: the order's stock goes back, exactly once.
 * - Order known to the books (committed): guarded transition to `released`, stock back, `release`
 *   audit row.
 * - Order not yet known (its `order.created` is still on the way): a `released_before_created`
 *   row, so the late creation decrements nothing; the books never moved, so no audit row.
 * - Already released or refunded: nothing.
 * In both first cases the Redis hold (or sale) is released too, and `stock.released` is emitted.
 */
import { assertTenant, followUpContext, prepareEvent, stockReleased, writeOutbox, type EventHandler } from '@flash-sale/events';
import { stockDeltaOf, stockReturnFor } from '@flash-sale/stock-books';
import { releaseUncommittedHold, returnToSale } from '../infra/allocation.repository.ts';
import { appendAudit } from '../infra/audit.repository.ts';
import { insertReservation, transitionReservation } from '../infra/reservation.repository.ts';
import { lockSaleForAllocation } from '../infra/sale.repository.ts';
import type { HandlerDeps } from './order-created.handler.ts';
import { SOURCE, type OrderLineView } from './order-line.ts';

export function orderReleasedHandler(deps: HandlerDeps, reason: 'cancelled' | 'expired'): EventHandler<OrderLineView> {
  return async (event, ctx) => {
    const line = event.payload;
    const tenantId = event.metadata.tenant_id;
    // The sale's row first, as every allocation change does: ending the sale reads its Redis holds
    // under this lock, so it sees this hold either still open or already released, never half-way.
    const sale = await lockSaleForAllocation(ctx.tx, line.sale_id);
    if (sale) assertTenant(event, { kind: 'flash_sale', id: sale.id, tenantId: sale.tenantId });
    const row = await insertReservation(
      ctx.tx,
      { orderId: line.order_id, tenantId, saleId: line.sale_id, skuId: line.sku_id, quantity: line.quantity },
      'released_before_created',
      reason,
    );

    let quantity = line.quantity;
    if (!row.inserted) {
      const existing = row.existing;
      assertTenant(event, { kind: 'stock_reservation', id: line.order_id, tenantId: existing.tenantId });
      if (existing.status !== 'committed') {
        ctx.logger.info({ order_id: line.order_id, status: existing.status }, 'stock of this order already went back; nothing to do');
        return;
      }
      // The books' own row is authoritative for what was decremented.
      quantity = existing.quantity;
      const move = stockReturnFor(reason);
      if (!(await transitionReservation(ctx.tx, line.order_id, 'committed', move.reservation, reason))) {
        throw new Error(`reservation ${line.order_id} left 'committed' while locked`);
      }
      await returnToSale(ctx.tx, { tenantId, saleId: existing.saleId, skuId: existing.skuId, quantity }, sale);
      await appendAudit(ctx.tx, {
        tenantId,
        skuId: existing.skuId,
        saleId: existing.saleId,
        operation: move.operation,
        quantity,
        stockDelta: stockDeltaOf(quantity, true),
        refId: line.order_id,
        eventId: event.id,
      });
    }

    const payload = { order_id: line.order_id, sale_id: line.sale_id, sku_id: line.sku_id, quantity, reason };
    await writeOutbox(ctx.tx, [prepareEvent(stockReleased, payload, followUpContext(event, ctx.traceparent, SOURCE), deps.now())]);
    // Last, so a failing SQL statement leaves Redis untouched; a Redis failure rolls the books back
    // and the runtime retries the whole event (the release is idempotent).
    const released = await deps.reservations.release({ saleId: line.sale_id, orderId: line.order_id, reason, restock: true });
    // Only a hold Redis really gave back was counted in an ended sale's kept allocation.
    if (row.inserted && released.released) await releaseUncommittedHold(ctx.tx, { tenantId, saleId: line.sale_id, skuId: line.sku_id, quantity }, sale);
    ctx.logger.info({ order_id: line.order_id, quantity, redis_released: released.released }, 'order stock released');
  };
}
