/**
 * What must hold after a chaos run has healed, drained and reconciled, read from the run's own
 * databases and the clients' final answers. Each service's schema is read through a connection to
 * that service's server (one server for all on the single topology, one each on the cluster
 * topology), and figures that span two services are compared here, never joined in SQL.
 * load-tests/check-invariants.ts adds the sale's Redis-side figures through the stock API.
 */
import { HOLDS_STOCK, PAID_OR_LATER, sqlStatusList } from '@flash-sale/order-lifecycle';
import type { Pool, RowDataPacket } from 'mysql2/promise';

/** A connection pool to the server holding each service's database. */
export interface ServiceDatabases {
  order: Pool;
  payment: Pool;
  inventory: Pool;
  reconciler: Pool;
}
type ServiceWithDatabase = keyof ServiceDatabases;

function reader(pool: Pool) {
  const rows = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => (await pool.query<RowDataPacket[]>(sql, params))[0] as T[];
  const count = async (sql: string, params: unknown[] = []): Promise<number> => Number((await rows<{ n: number | string | null }>(sql, params))[0]?.n ?? 0);
  return { rows, count };
}

export interface Verdict {
  ok: boolean;
  name: string;
  figures: Record<string, string | number>;
}

/** One client's final answer to POST /v1/orders, as the k6 script logged it. */
export interface OrderAnswer {
  key: string;
  user: string;
  status: number;
  final: boolean;
  order_id?: string;
  code?: string;
}

export interface PaymentAnswer {
  order_id: string;
  payment_id?: string;
  status: number;
  completed_status?: number;
}

// Orders that keep their units, and orders that were paid (packages/order-lifecycle).
const HOLDING = sqlStatusList(HOLDS_STOCK);
const PAID = sqlStatusList(PAID_OR_LATER);

export async function checkInvariants(databases: ServiceDatabases, answers: readonly OrderAnswer[]): Promise<Verdict[]> {
  const order = reader(databases.order);
  const payment = reader(databases.payment);
  const inventory = reader(databases.inventory);
  const verdicts: Verdict[] = [];

  // 1. Every 201 a client was given is an order in MySQL, and no two clients were given the same one.
  const given = answers.filter((answer) => answer.status === 201 && answer.order_id).map((answer) => answer.order_id as string);
  const distinct = [...new Set(given)];
  const found = new Set<string>();
  for (let index = 0; index < distinct.length; index += 500) {
    const page = distinct.slice(index, index + 500);
    for (const row of await order.rows<{ id: string }>('SELECT id FROM order_service.orders WHERE id IN (?)', [page])) found.add(row.id);
  }
  const ordersTotal = await order.count('SELECT COUNT(*) AS n FROM order_service.orders');
  verdicts.push({
    ok: found.size === distinct.length && distinct.length === given.length,
    name: 'every 201 is an order in MySQL',
    figures: {
      answers_201: given.length,
      distinct_ids: distinct.length,
      found: found.size,
      missing: distinct.length - found.size,
      orders: ordersTotal,
      orders_no_client_heard_of: ordersTotal - found.size,
      clients_gave_up: answers.filter((answer) => !answer.final).length,
    },
  });

  // 1b. A retry with the same Idempotency-Key gets the order its first attempt created: no client
  //     whose key holds an order was given another final answer.
  const orderByKey = new Map<string, string>();
  for (const row of await order.rows<{ idem_key: string; order_id: string }>('SELECT idem_key, order_id FROM order_service.idempotency_keys'))
    orderByKey.set(row.idem_key, row.order_id);
  const told = answers.filter((answer) => answer.final && orderByKey.has(answer.key));
  const toldOtherwise = told.filter((answer) => answer.status !== 201 || answer.order_id !== orderByKey.get(answer.key));
  const otherwiseByAnswer = new Map<string, number>();
  for (const answer of toldOtherwise)
    otherwiseByAnswer.set(`${answer.status} ${answer.code ?? ''}`.trim(), (otherwiseByAnswer.get(`${answer.status} ${answer.code ?? ''}`.trim()) ?? 0) + 1);
  verdicts.push({
    ok: toldOtherwise.length === 0,
    name: 'every key that created an order got that order back',
    figures: {
      keys_with_an_order: orderByKey.size,
      answered: told.length,
      answered_otherwise: toldOtherwise.length,
      ...Object.fromEntries([...otherwiseByAnswer].map(([label, n]) => [`given ${label}`, n])),
    },
  });

  // 2. Sold ≤ stock for every sale and every SKU: the sales and SKUs from the inventory server,
  //    the units orders hold from the order server.
  const sales = await inventory.rows<{ id: string; stock: number; per_user_limit: number }>(
    'SELECT id, stock, per_user_limit FROM inventory_service.flash_sales',
  );
  const unitsBySale = new Map<string, number>();
  for (const row of await order.rows<{ sale_id: string; units: number | string }>(
    `SELECT sale_id, SUM(quantity) AS units FROM order_service.orders WHERE status IN (${HOLDING}) GROUP BY sale_id`,
  )) {
    unitsBySale.set(row.sale_id, Number(row.units));
  }
  const oversoldSales = sales.filter((sale) => (unitsBySale.get(sale.id) ?? 0) > Number(sale.stock));
  const skus = await inventory.rows<{ tenant_id: string; id: string; initial_stock: number; restocked: number | string }>(
    `SELECT s.tenant_id, s.id, s.initial_stock,
            (SELECT COALESCE(SUM(r.quantity), 0) FROM inventory_service.sku_restocks r WHERE r.tenant_id = s.tenant_id AND r.sku_id = s.id) AS restocked
       FROM inventory_service.skus s`,
  );
  const unitsBySku = new Map<string, number>();
  for (const row of await order.rows<{ tenant_id: string; sku_id: string; units: number | string }>(
    `SELECT tenant_id, sku_id, SUM(quantity) AS units FROM order_service.orders WHERE status IN (${HOLDING}) GROUP BY tenant_id, sku_id`,
  )) {
    unitsBySku.set(`${row.tenant_id}/${row.sku_id}`, Number(row.units));
  }
  const oversoldSkus = skus.filter((sku) => (unitsBySku.get(`${sku.tenant_id}/${sku.id}`) ?? 0) > Number(sku.initial_stock) + Number(sku.restocked)).length;
  verdicts.push({
    ok: oversoldSales.length === 0 && oversoldSkus === 0,
    name: 'sold <= stock for every sale and SKU',
    figures: {
      sales: sales.length,
      sale_stock: sales.map((sale) => sale.stock).join('/'),
      units_held: sales.map((sale) => unitsBySale.get(sale.id) ?? 0).join('/'),
      oversold_sales: oversoldSales.length,
      oversold_skus: oversoldSkus,
    },
  });

  // 3. The per-user limit held: no user holds more units of a sale than it allows.
  const limitOf = new Map(sales.map((sale) => [sale.id, Number(sale.per_user_limit)]));
  const holdings = await order.rows<{ sale_id: string; units: number | string }>(
    `SELECT sale_id, SUM(quantity) AS units FROM order_service.orders WHERE status IN (${HOLDING}) GROUP BY sale_id, tenant_id, user_id`,
  );
  const overLimit = holdings.filter((holding) => Number(holding.units) > (limitOf.get(holding.sale_id) ?? Number.POSITIVE_INFINITY));
  const limitRefusals = answers.filter((answer) => answer.code === 'PER_USER_LIMIT').length;
  verdicts.push({
    ok: overLimit.length === 0,
    name: 'per-user limits held',
    figures: { users_over_limit: overLimit.length, users_with_an_order: holdings.length, per_user_limit_refusals: limitRefusals },
  });

  // 4. The books and their audit trail agree: each SKU's stock moved by exactly the audit's deltas,
  //    each holding order's units were taken once, and each given-back order's units returned once.
  const skuDrift = await inventory.count(
    `SELECT COUNT(*) AS n FROM inventory_service.skus s
      WHERE CAST(s.stock AS SIGNED) - CAST(s.initial_stock AS SIGNED)
            <> (SELECT COALESCE(SUM(a.stock_delta), 0) FROM inventory_service.inventory_audit a WHERE a.tenant_id = s.tenant_id AND a.sku_id = s.id)`,
  );
  const booked = await inventory.count('SELECT COALESCE(SUM(CAST(initial_stock AS SIGNED) - CAST(stock AS SIGNED)), 0) AS n FROM inventory_service.skus');
  const unitsHeld = await order.count(`SELECT COALESCE(SUM(quantity), 0) AS n FROM order_service.orders WHERE status IN (${HOLDING})`);
  const auditNet = await inventory.count('SELECT COALESCE(-SUM(stock_delta), 0) AS n FROM inventory_service.inventory_audit');
  verdicts.push({
    ok: skuDrift === 0 && booked === auditNet && booked === unitsHeld,
    name: 'MySQL books, inventory_audit and orders agree',
    figures: { skus_off_their_audit: skuDrift, units_taken_from_books: booked, audit_net_units: auditNet, order_units_held: unitsHeld },
  });

  // 5. Every outbox drained: nothing committed is left unpublished.
  const unpublished: Record<string, number> = {};
  for (const service of ['order', 'payment', 'inventory', 'reconciler'] as const) {
    unpublished[`${service}_service`] = await reader(databases[service]).count(
      `SELECT COUNT(*) AS n FROM \`${service}_service\`.outbox WHERE published_at IS NULL`,
    );
  }
  verdicts.push({ ok: Object.values(unpublished).every((n) => n === 0), name: 'the outboxes drained', figures: unpublished });

  // 6. Each event's effect applied exactly once: one dedupe row per effect, no effect without one.
  const inventoryCreatedDedupe = await inventory.count(
    `SELECT COUNT(*) AS n FROM inventory_service.consumer_dedupe WHERE consumer = 'inventory' AND event_type LIKE 'order.created%'`,
  );
  const decreases = await inventory.count(`SELECT COUNT(*) AS n FROM inventory_service.inventory_audit WHERE operation = 'decrease'`);
  const createdEvents = await order.count(`SELECT COUNT(*) AS n FROM order_service.outbox WHERE event_type LIKE 'order.created%'`);
  const paymentCreatedDedupe = await payment.count(
    `SELECT COUNT(*) AS n FROM payment_service.consumer_dedupe WHERE consumer = 'payment' AND event_type LIKE 'order.created%'`,
  );
  const orderViews = await payment.count('SELECT COUNT(*) AS n FROM payment_service.order_view');
  const historyTwice = await order.count(
    'SELECT COUNT(*) AS n FROM (SELECT source_event_id FROM order_service.order_status_history WHERE source_event_id IS NOT NULL GROUP BY source_event_id, to_status HAVING COUNT(*) > 1) d',
  );
  const historyWithoutDedupe = await order.count(
    `SELECT COUNT(*) AS n FROM order_service.order_status_history h
      WHERE h.source_event_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM order_service.consumer_dedupe d WHERE d.consumer = 'order' AND d.event_id = h.source_event_id)`,
  );
  verdicts.push({
    ok:
      inventoryCreatedDedupe === createdEvents &&
      decreases === createdEvents &&
      paymentCreatedDedupe === createdEvents &&
      orderViews === createdEvents &&
      historyTwice === 0 &&
      historyWithoutDedupe === 0,
    name: 'every event applied exactly once',
    figures: {
      'order.created': createdEvents,
      inventory_dedupe: inventoryCreatedDedupe,
      inventory_decreases: decreases,
      payment_dedupe: paymentCreatedDedupe,
      payment_order_views: orderViews,
      order_transitions_applied_twice: historyTwice,
      order_transitions_without_dedupe: historyWithoutDedupe,
    },
  });

  // 7. No completed payment without an order that reflects it: the completed payments from the
  //    payment server, looked up among the order server's paid orders.
  const completed = await payment.rows<{ id: string; order_id: string }>(`SELECT id, order_id FROM payment_service.payments WHERE status = 'COMPLETED'`);
  const reflected = new Set<string>();
  for (let index = 0; index < completed.length; index += 500) {
    const page = completed.slice(index, index + 500).map((row) => row.order_id);
    for (const row of await order.rows<{ id: string; payment_id: string | null }>(
      `SELECT id, payment_id FROM order_service.orders WHERE id IN (?) AND status IN (${PAID})`,
      [page],
    )) {
      reflected.add(`${row.id}/${row.payment_id ?? ''}`);
    }
  }
  const unreflected = completed.filter((row) => !reflected.has(`${row.order_id}/${row.id}`)).length;
  const paidOrders = await order.count(`SELECT COUNT(*) AS n FROM order_service.orders WHERE status IN (${PAID})`);
  verdicts.push({
    ok: unreflected === 0,
    name: 'no completed payment without an order that reflects it',
    figures: {
      payments_completed: completed.length,
      without_a_paid_order: unreflected,
      orders_paid_or_later: paidOrders,
      payments_pending: await payment.count(`SELECT COUNT(*) AS n FROM payment_service.payments WHERE status = 'PENDING'`),
    },
  });
  return verdicts;
}

/**
 * A fingerprint of everything that still moves after the load, read from each service's server:
 * equal twice in a row means settled.
 */
export async function settledFingerprint(databases: ServiceDatabases): Promise<string> {
  const one = async (service: ServiceWithDatabase, sql: string): Promise<unknown> =>
    ((await databases[service].query<RowDataPacket[]>(sql))[0][0] as { v: unknown } | undefined)?.v ?? null;
  const unpublished =
    Number(await one('order', 'SELECT COUNT(*) AS v FROM order_service.outbox WHERE published_at IS NULL')) +
    Number(await one('payment', 'SELECT COUNT(*) AS v FROM payment_service.outbox WHERE published_at IS NULL')) +
    Number(await one('inventory', 'SELECT COUNT(*) AS v FROM inventory_service.outbox WHERE published_at IS NULL'));
  return JSON.stringify({
    unpublished,
    orders: await one(
      'order',
      "SELECT GROUP_CONCAT(CONCAT(status, ':', n)) AS v FROM (SELECT status, COUNT(*) AS n FROM order_service.orders GROUP BY status) s",
    ),
    payments: await one(
      'payment',
      "SELECT GROUP_CONCAT(CONCAT(status, ':', n)) AS v FROM (SELECT status, COUNT(*) AS n FROM payment_service.payments GROUP BY status) s",
    ),
    inventory_dedupe: Number(await one('inventory', 'SELECT COUNT(*) AS v FROM inventory_service.consumer_dedupe')),
    order_dedupe: Number(await one('order', 'SELECT COUNT(*) AS v FROM order_service.consumer_dedupe')),
    payment_dedupe: Number(await one('payment', 'SELECT COUNT(*) AS v FROM payment_service.consumer_dedupe')),
    audit: Number(await one('inventory', 'SELECT COUNT(*) AS v FROM inventory_service.inventory_audit')),
  });
}
