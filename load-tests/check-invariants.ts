// After a load run: proves from the inventory stock API and the order database that the sale did
// not oversell and lost nothing. Prints one PASS/FAIL line per invariant with its figures and
// exits 1 when any fails.
//
//   node load-tests/check-invariants.ts <sale-id> [k6-summary.json]
//
// Env: MYSQL_ADMIN_URL, JWT_SECRET (required); JWT_ISSUER, JWT_AUDIENCE (when the services check them); INVENTORY_URL, ORDER_DB (default order_service),
// TENANT, SETTLE_TIMEOUT_MS (how long the books may take to catch up).
import { readFile } from 'node:fs/promises';
import { HOLDS_STOCK, sqlStatusList } from '@flash-sale/order-lifecycle';
import { createSigner } from 'fast-jwt';
import mysql from 'mysql2/promise';

const env = (name: string, fallback?: string) => {
  const value = process.env[name] ?? fallback;
  if (!value) throw new Error(`${name} must be set (source infra/local/env.sh)`);
  return value;
};
const [saleId, summaryFile] = process.argv.slice(2);
if (!saleId) throw new Error('usage: node load-tests/check-invariants.ts <sale-id> [k6-summary.json]');
const inventoryUrl = env('INVENTORY_URL', 'http://127.0.0.1:3003');
const orderDb = env('ORDER_DB', 'order_service');
if (!/^[A-Za-z0-9_]+$/.test(orderDb)) throw new Error(`unsafe database name ${orderDb}`);
const tenant = env('TENANT', 't1');
const settleTimeoutMs = Number(env('SETTLE_TIMEOUT_MS', '60000'));
const ops = createSigner({
  key: env('JWT_SECRET'),
  expiresIn: 600_000,
  ...(process.env.JWT_ISSUER ? { iss: process.env.JWT_ISSUER } : {}),
  ...(process.env.JWT_AUDIENCE ? { aud: process.env.JWT_AUDIENCE } : {}),
})({ sub: 'load-test-ops', tenant, roles: ['ops'] });

interface StockView {
  sale_stock: number;
  redis: { armed_stock: number; available: number; held: number; sold: number } | null;
  mysql: { sku_stock: number | null; sku_initial_stock: number | null };
}

async function stockView(): Promise<StockView> {
  const response = await fetch(`${inventoryUrl}/v1/admin/sales/${saleId}/stock`, { headers: { authorization: `Bearer ${ops}` } });
  if (!response.ok) throw new Error(`stock view → ${response.status} ${await response.text()}`);
  return (await response.json()) as StockView;
}

const results: Array<{ ok: boolean; name: string; figures: string }> = [];
const verdict = (ok: boolean, name: string, figures: Record<string, unknown>) => {
  const line = Object.entries(figures)
    .map(([key, value]) => `${key}=${String(value)}`)
    .join(' ');
  results.push({ ok, name, figures: line });
  console.log(`${ok ? 'PASS' : 'FAIL'}  ${name}  (${line})`);
};

const db = await mysql.createConnection({ uri: env('MYSQL_ADMIN_URL'), supportBigNumbers: true, bigNumberStrings: false });
const one = async (sql: string, params: unknown[] = []): Promise<number> => {
  const [rows] = await db.query(sql, params);
  return Number((rows as Array<{ n: number | string | null }>)[0]?.n ?? 0);
};
// Orders that still hold their units: everything but the ends that give stock back.
const HOLDING = sqlStatusList(HOLDS_STOCK);

try {
  const view = await stockView();
  const saleStock = view.sale_stock;
  const ordersTotal = await one(`SELECT COUNT(*) AS n FROM \`${orderDb}\`.orders WHERE sale_id = ?`, [saleId]);
  const unitsHeld = await one(`SELECT COALESCE(SUM(quantity), 0) AS n FROM \`${orderDb}\`.orders WHERE sale_id = ? AND status IN (${HOLDING})`, [saleId]);
  const redis = view.redis;

  // 1. Never oversold, in any of the three places that count.
  verdict(
    redis !== null && unitsHeld <= saleStock && redis.held + redis.sold <= saleStock && redis.available >= 0 && (view.mysql.sku_stock ?? -1) >= 0,
    'sold <= stock',
    {
      sale_stock: saleStock,
      order_units: unitsHeld,
      redis_held: redis?.held,
      redis_sold: redis?.sold,
      redis_available: redis?.available,
      mysql_stock: view.mysql.sku_stock,
    },
  );

  // 2. Redis and the order database agree on what was accepted, and so does the client's count.
  let accepted: number | undefined;
  if (summaryFile) {
    const summary = JSON.parse(await readFile(summaryFile, 'utf8')) as { metrics: Record<string, { values?: { count?: number } }> };
    accepted = summary.metrics.orders_accepted?.values?.count ?? 0;
  }
  verdict(
    redis !== null &&
      redis.held + redis.sold === unitsHeld &&
      redis.available + redis.held + redis.sold === redis.armed_stock &&
      (accepted === undefined || accepted === ordersTotal),
    'accepted orders = Redis held + sold',
    {
      k6_201s: accepted ?? 'n/a',
      orders: ordersTotal,
      order_units: unitsHeld,
      redis_held_plus_sold: redis ? redis.held + redis.sold : 'n/a',
      redis_armed: redis?.armed_stock,
    },
  );

  // 3. No order without the outbox event that tells the other services about it.
  const withoutEvent = await one(
    `SELECT COUNT(*) AS n FROM \`${orderDb}\`.orders o
      WHERE o.sale_id = ? AND NOT EXISTS (
        SELECT 1 FROM \`${orderDb}\`.outbox x WHERE x.event_type = 'order.created.v1' AND x.partition_key = o.id)`,
    [saleId],
  );
  verdict(withoutEvent === 0, 'every order has its order.created outbox event', { orders: ordersTotal, without_event: withoutEvent });

  // 4. One order per Idempotency-Key: each order has exactly one key, no key names two orders.
  const keyless = await one(
    `SELECT COUNT(*) AS n FROM \`${orderDb}\`.orders o
      WHERE o.sale_id = ? AND (SELECT COUNT(*) FROM \`${orderDb}\`.idempotency_keys k WHERE k.order_id = o.id) <> 1`,
    [saleId],
  );
  const keysForSale = await one(
    `SELECT COUNT(*) AS n FROM \`${orderDb}\`.idempotency_keys k JOIN \`${orderDb}\`.orders o ON o.id = k.order_id WHERE o.sale_id = ?`,
    [saleId],
  );
  const sharedOwners = await one(
    `SELECT COUNT(*) AS n FROM (
       SELECT o.tenant_id, o.user_id FROM \`${orderDb}\`.orders o WHERE o.sale_id = ? GROUP BY o.tenant_id, o.user_id HAVING COUNT(*) > 1) d`,
    [saleId],
  );
  verdict(keyless === 0 && keysForSale === ordersTotal && sharedOwners === 0, 'one order per Idempotency-Key', {
    orders: ordersTotal,
    keys: keysForSale,
    orders_without_exactly_one_key: keyless,
    users_with_two_orders: sharedOwners,
  });

  // 5. Eventually consistent: the inventory books catch up with every accepted unit.
  const deadline = Date.now() + settleTimeoutMs;
  let settled = await stockView();
  const started = Date.now();
  while ((settled.mysql.sku_initial_stock ?? 0) - (settled.mysql.sku_stock ?? 0) !== unitsHeld && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    settled = await stockView();
  }
  const booked = (settled.mysql.sku_initial_stock ?? 0) - (settled.mysql.sku_stock ?? 0);
  verdict(booked === unitsHeld, 'inventory books caught up (MySQL stock decremented once per accepted unit)', {
    order_units: unitsHeld,
    mysql_decremented: booked,
    mysql_stock: settled.mysql.sku_stock,
    waited_ms: Date.now() - started,
  });
} finally {
  await db.end();
}

const failed = results.filter((result) => !result.ok);
console.log(
  failed.length === 0
    ? `PASS  all ${results.length} invariants hold for sale ${saleId}`
    : `FAIL  ${failed.length} of ${results.length} invariants broken for sale ${saleId}`,
);
process.exitCode = failed.length === 0 ? 0 : 1;
