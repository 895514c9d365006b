/**
 * `order.created.v1`: the books catch up with the Redis hold. In the runtime's transaction (which
 * also holds the dedupe row): the order's reservation row, a guarded stock decrement out of the
 * sale's allocation, the `decrease` audit row and a `stock.committed` outbox event. A late `order.created` whose order was
 * already cancelled or expired finds a `released_before_created` row and decrements nothing.
 */
import { TerminalError, assertTenant, followUpContext, prepareEvent, stockCommitted, writeOutbox, type EventHandler } from '@flash-sale/events';
import { StockReservationError, type StockReservations } from '@flash-sale/stock-reservations';
import { sellFromSale } from '../infra/allocation.repository.ts';
import { appendAudit } from '../infra/audit.repository.ts';
import { insertReservation } from '../infra/reservation.repository.ts';
import { lockSaleForAllocation } from '../infra/sale.repository.ts';
import { SOURCE, type OrderLineView } from './order-line.ts';

export interface HandlerDeps {
  reservations: StockReservations;
  now: () => Date;
}

export function orderCreatedHandler(deps: HandlerDeps): EventHandler<OrderLineView> {
  return async (event, ctx) => {
    const line = event.payload;
    const tenantId = event.metadata.tenant_id;
    // Sale row before reservation row, in every handler: two events of one order never deadlock.
    const sale = await lockSaleForAllocation(ctx.tx, line.sale_id);
    // An order of one tenant never takes units from another tenant's sale.
    if (sale) assertTenant(event, { kind: 'flash_sale', id: sale.id, tenantId: sale.tenantId });
    const row = await insertReservation(
      ctx.tx,
      { orderId: line.order_id, tenantId, saleId: line.sale_id, skuId: line.sku_id, quantity: line.quantity },
      'committed',
      null,
    );
    if (!row.inserted) {
      assertTenant(event, { kind: 'stock_reservation', id: line.order_id, tenantId: row.existing.tenantId });
      ctx.logger.info({ order_id: line.order_id, status: row.existing.status }, 'order already known to the books; nothing to decrement');
      return;
    }
    if (!(await sellFromSale(ctx.tx, { tenantId, saleId: line.sale_id, skuId: line.sku_id, quantity: line.quantity }, sale))) {
      // Redis accepted units the books do not have, or that another sale's allocation holds (or an
      // unknown SKU): retrying cannot help, so the event goes to the dead-letter topic at once and
      // the reconciler's `paid-unconfirmable` job refunds the order if it gets paid.
      throw new TerminalError(`books lack ${line.quantity} unit(s) of sku ${line.sku_id} for order ${line.order_id}`);
    }
    await appendAudit(ctx.tx, {
      tenantId,
      skuId: line.sku_id,
      saleId: line.sale_id,
      operation: 'decrease',
      quantity: line.quantity,
      stockDelta: -line.quantity,
      refId: line.order_id,
      eventId: event.id,
    });
    const payload = { order_id: line.order_id, sale_id: line.sale_id, sku_id: line.sku_id, quantity: line.quantity };
    await writeOutbox(ctx.tx, [prepareEvent(stockCommitted, payload, followUpContext(event, ctx.traceparent, SOURCE), deps.now())]);

    // The runtime commits after this returns and offers no after-commit hook, so the Redis commit
    // runs last here. It is idempotent, so a rollback and redelivery simply commit again; and a
    // failure only leaves Redis counting the units as held instead of sold (available is right
    // either way), which the reconciler repairs: it must not undo the books' decrement.
    try {
      await deps.reservations.commit({ saleId: line.sale_id, orderId: line.order_id });
    } catch (error) {
      const code = error instanceof StockReservationError ? error.code : 'REDIS_ERROR';
      ctx.logger.warn({ err: error, code, order_id: line.order_id }, 'Redis hold not committed; reconciliation will repair it');
    }
  };
}
