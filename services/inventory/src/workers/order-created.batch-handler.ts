/**
 * `order.created.v1`, several at once: what `order-created.handler.ts` does for each, in one pass
 * of multi-row statements under one lock of the sale row. A sale's stampede puts hundreds of its
 * orders on the books per second, one after another on that lock; doing each order's six
 * statements apart is what held the books far behind the order path.
 *
 * It handles the usual batch: orders of one sale, none seen before, all of whose units the books
 * still have. Anything else (orders of several sales, a sale of another tenant, an order already known, units lacking)
 * throws, nothing of the batch stays, and the runtime applies the orders one by one with the
 * single-event handler, which knows how to answer each of those cases.
 */
import { assertTenant, followUpContext, prepareEvent, stockCommitted, writeOutbox, type EventBatchHandler } from '@flash-sale/events';
import { StockReservationError } from '@flash-sale/stock-reservations';
import { sellFromSale } from '../infra/allocation.repository.ts';
import { appendAudits } from '../infra/audit.repository.ts';
import { insertCommittedReservations } from '../infra/reservation.repository.ts';
import { lockSaleForAllocation } from '../infra/sale.repository.ts';
import type { HandlerDeps } from './order-created.handler.ts';
import { SOURCE, type OrderLineView } from './order-line.ts';

export function orderCreatedBatchHandler(deps: HandlerDeps): EventBatchHandler<OrderLineView> {
  return async (items, ctx) => {
    const first = items[0]!.event;
    const tenantId = first.metadata.tenant_id;
    const { sale_id: saleId, sku_id: skuId } = first.payload;
    if (items.some(({ event }) => event.metadata.tenant_id !== tenantId || event.payload.sale_id !== saleId || event.payload.sku_id !== skuId)) {
      throw new Error('orders of several sales in one batch; applying them one by one');
    }
    // Sale row before reservation rows, as in every handler.
    const sale = await lockSaleForAllocation(ctx.tx, saleId);
    // A mismatch fails the batch; the single-event handler then finds and refuses the order at fault.
    if (sale) assertTenant(first, { kind: 'flash_sale', id: sale.id, tenantId: sale.tenantId });
    // A duplicate key (an order already on the books, or twice in the batch) fails this whole.
    await insertCommittedReservations(
      ctx.tx,
      items.map(({ event }) => ({ orderId: event.payload.order_id, tenantId, saleId, skuId, quantity: event.payload.quantity })),
    );
    // Taking the sum at once leaves the books as taking each line in turn would: each line takes
    // what is left of the allocation first, so together they take min(sum, allocation).
    const quantity = items.reduce((sum, { event }) => sum + event.payload.quantity, 0);
    if (!(await sellFromSale(ctx.tx, { tenantId, saleId, skuId, quantity }, sale))) {
      throw new Error(`books lack ${quantity} unit(s) of sku ${skuId} for a batch of ${items.length} orders; applying them one by one`);
    }
    await appendAudits(
      ctx.tx,
      items.map(({ event }) => ({
        tenantId,
        skuId,
        saleId,
        operation: 'decrease' as const,
        quantity: event.payload.quantity,
        stockDelta: -event.payload.quantity,
        refId: event.payload.order_id,
        eventId: event.id,
      })),
    );
    const now = deps.now();
    await writeOutbox(
      ctx.tx,
      items.map(({ event, traceparent }) =>
        prepareEvent(
          stockCommitted,
          { order_id: event.payload.order_id, sale_id: saleId, sku_id: skuId, quantity: event.payload.quantity },
          followUpContext(event, traceparent, SOURCE),
          now,
        ),
      ),
    );
    // Last, and in one round trip (auto-pipelined): idempotent, and a failure only leaves Redis
    // counting units as held instead of sold, which the reconciler repairs (see the single handler).
    await Promise.all(
      items.map(({ event }) =>
        deps.reservations.commit({ saleId, orderId: event.payload.order_id }).catch((error: unknown) => {
          const code = error instanceof StockReservationError ? error.code : 'REDIS_ERROR';
          ctx.logger.warn({ err: error, code, order_id: event.payload.order_id }, 'Redis hold not committed; reconciliation will repair it');
        }),
      ),
    );
  };
}
