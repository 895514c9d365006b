/**
 * A sale's books side by side, read through the reconciler's own connections (the inventory
 * database and Redis), so the console needs no other service up and no service imports another:
 * Redis's counters (available / held / sold), the sale's allocation and its SKU's stock in MySQL,
 * the audit totals per operation and the reservation rows per status. The shape follows the
 * inventory service's `GET /v1/admin/sales/:saleId/stock`, so an operator reads one vocabulary.
 */
import { utcDate } from '@flash-sale/service-kit';
import type { StockReservations } from '@flash-sale/stock-reservations';
import type { Pool, RowDataPacket } from 'mysql2/promise';
import type { SaleBooks } from './console-contract.ts';

const auditOperations = ['reserve', 'decrease', 'release', 'refund'] as const;
const reservationStatuses = ['committed', 'released', 'released_before_created', 'refunded'] as const;

interface SaleRow extends RowDataPacket {
  id: string;
  tenant_id: string;
  sku_id: string;
  stock: number;
  allocated: number;
  starts_at: string;
  ends_at: string;
  armed_at: string | null;
  ended_at: string | null;
  sku_stock: number | null;
  sku_initial_stock: number | null;
  sku_allocated: number | null;
}

interface TotalsRow extends RowDataPacket {
  sale_id: string;
  operation: (typeof auditOperations)[number] | 'restock';
  row_count: string | number;
  quantity: string | number | null;
  stock_delta: string | number | null;
}

interface CountRow extends RowDataPacket {
  sale_id: string;
  status: (typeof reservationStatuses)[number];
  orders: string | number;
  quantity: string | number | null;
}

const iso = (value: string | null) => (value === null ? null : utcDate(value).toISOString());

export interface SaleFilter {
  /** Only this tenant's sales; undefined: every tenant's (platform-ops). */
  tenantId: string | undefined;
  saleId?: string;
  /** Sales whose window ended longer ago than this are left out of a listing. */
  endedSince?: Date;
  limit: number;
}

/** The books of the sales matching `filter`, soonest-ending live ones first, then upcoming, then ended. */
export async function readSaleBooks(deps: { inventory: Pool; reservations: StockReservations; now: () => Date }, filter: SaleFilter): Promise<SaleBooks[]> {
  const conditions: string[] = [];
  const params: unknown[] = [];
  if (filter.tenantId !== undefined) {
    conditions.push('f.tenant_id = ?');
    params.push(filter.tenantId);
  }
  if (filter.saleId !== undefined) {
    conditions.push('f.id = ?');
    params.push(filter.saleId);
  }
  if (filter.endedSince !== undefined) {
    conditions.push('f.ends_at > ?');
    params.push(filter.endedSince);
  }
  // The SKU lives in the same database as the sale: one service's tables, so a join is fine here.
  const [sales] = await deps.inventory.query<SaleRow[]>(
    `SELECT f.id, f.tenant_id, f.sku_id, f.stock, f.allocated, f.starts_at, f.ends_at, f.armed_at, f.ended_at,
            s.stock AS sku_stock, s.initial_stock AS sku_initial_stock, s.allocated AS sku_allocated
       FROM flash_sales f LEFT JOIN skus s ON s.tenant_id = f.tenant_id AND s.id = f.sku_id
      ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
      ORDER BY f.ends_at DESC LIMIT ?`,
    [...params, filter.limit],
  );
  if (sales.length === 0) return [];
  const ids = sales.map((sale) => sale.id);
  const [[audit], [reservations], views] = await Promise.all([
    deps.inventory.query<TotalsRow[]>(
      `SELECT sale_id, operation, COUNT(*) AS row_count, SUM(quantity) AS quantity, SUM(stock_delta) AS stock_delta
         FROM inventory_audit WHERE sale_id IN (?) GROUP BY sale_id, operation`,
      [ids],
    ),
    deps.inventory.query<CountRow[]>(
      'SELECT sale_id, status, COUNT(*) AS orders, SUM(quantity) AS quantity FROM stock_reservations WHERE sale_id IN (?) GROUP BY sale_id, status',
      [ids],
    ),
    Promise.all(ids.map((id) => deps.reservations.view(id))),
  ]);

  const nowMs = deps.now().getTime();
  const books = sales.map((sale, index): SaleBooks => {
    const view = views[index] ?? null;
    const auditOf = Object.fromEntries(auditOperations.map((operation) => [operation, { rows: 0, quantity: 0, stock_delta: 0 }])) as SaleBooks['audit'];
    for (const row of audit) {
      if (row.sale_id !== sale.id || row.operation === 'restock') continue;
      auditOf[row.operation] = { rows: Number(row.row_count), quantity: Number(row.quantity ?? 0), stock_delta: Number(row.stock_delta ?? 0) };
    }
    const reservationsOf = Object.fromEntries(reservationStatuses.map((status) => [status, { orders: 0, quantity: 0 }])) as SaleBooks['reservations'];
    for (const row of reservations) {
      if (row.sale_id === sale.id) reservationsOf[row.status] = { orders: Number(row.orders), quantity: Number(row.quantity ?? 0) };
    }
    const startsAt = iso(sale.starts_at) ?? '';
    const endsAt = iso(sale.ends_at) ?? '';
    const endedAt = iso(sale.ended_at);
    const window = endedAt !== null || Date.parse(endsAt) <= nowMs ? 'ended' : Date.parse(startsAt) > nowMs ? 'upcoming' : 'live';
    const stock = Number(sale.stock);
    return {
      sale_id: sale.id,
      tenant_id: sale.tenant_id,
      sku_id: sale.sku_id,
      window,
      starts_at: startsAt,
      ends_at: endsAt,
      armed_at: iso(sale.armed_at),
      ended_at: endedAt,
      sale_stock: stock,
      redis: view ? { armed_stock: view.armedStock, available: view.available, held: view.held, sold: view.sold } : null,
      mysql: {
        sale_allocated: Number(sale.allocated),
        sku_stock: sale.sku_stock === null ? null : Number(sale.sku_stock),
        sku_initial_stock: sale.sku_initial_stock === null ? null : Number(sale.sku_initial_stock),
        sku_allocated: sale.sku_allocated === null ? null : Number(sale.sku_allocated),
      },
      audit: auditOf,
      reservations: reservationsOf,
      redis_balanced: view ? view.available + view.held + view.sold === view.armedStock && view.armedStock === stock : null,
    };
  });
  const rank = { live: 0, upcoming: 1, ended: 2 } as const;
  return books.sort(
    (a, b) => rank[a.window] - rank[b.window] || (a.window === 'ended' ? b.ends_at.localeCompare(a.ends_at) : a.ends_at.localeCompare(b.ends_at)),
  );
}
