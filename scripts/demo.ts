// `npm run demo` (and the last step of `npm start`): once every service instance is ready, prints
// what runs where (start-banner.ts); then, against the running services, creates and arms a sale of
// 100 units, sends 2,000 concurrent buyers at it (spread round robin over every order instance: two
// on the cluster topology), pays for the accepted orders through the provider simulator (some with
// fault modes on, a few declined), refunds a few, waits for the system to settle and prints the
// books as a last line of JSON.
import { randomUUID } from 'node:crypto';
import { openSale } from '@flash-sale/testkit/open-sale';
import mysql from 'mysql2/promise';
import { localTokenSigner, type Role } from './local-token.ts';
import { formatBanner, probeEndpoints, serviceInstances } from './start-banner.ts';

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} must be set (npm run demo sets it from infra/local/env.sh)`);
  return value;
};
// The ports infra/local/env.sh sets (and `npm start` runs the services on). Every call but the
// buyers' goes to a service's first instance, as the services' own calls to each other do.
const instances = serviceInstances();
const first = (service: string) => {
  const instance = instances.find((candidate) => candidate.service === service);
  if (!instance) throw new Error(`no instance of ${service}`);
  return instance.base;
};
const urls = { order: first('order'), payment: first('payment'), inventory: first('inventory'), reconciler: first('reconciler'), provider: first('provider') };
const orderInstances = instances.filter((instance) => instance.service === 'order');
const BUYERS = Number(process.env.DEMO_BUYERS ?? 2000);
const STOCK = Number(process.env.DEMO_STOCK ?? 100);
const tenant = 't1';
const sign = localTokenSigner();
const token = (userId: string, roles: Role[] = ['shopper']) => sign({ userId, tenant, roles });
const opsToken = token('demo-ops', ['ops']);

// `npm start` already puts [demo] in front of each line.
const log = (message: string) => console.error(message);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function call(base: string, method: string, path: string, auth: string | undefined, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(auth ? { authorization: `Bearer ${auth}` } : {}), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- read loosely: each service validates its own output
  return { status: response.status, json: (text ? JSON.parse(text) : {}) as Record<string, any> };
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what}`);
}

// `npm start` launches the demo beside services that are still starting, hence the long default.
const READY_TIMEOUT_MS = Number(process.env.DEMO_READY_TIMEOUT_MS ?? 180_000);
for (const { name, service, base } of instances) {
  await until(
    `${name} at ${base} to be ready`,
    async () => ((await fetch(`${base}/health/${service === 'provider' ? 'live' : 'ready'}`)).ok ? true : undefined),
    READY_TIMEOUT_MS,
  );
}
for (const line of formatBanner(await probeEndpoints(instances))) log(line);

// 1. A sale of STOCK units, armed explicitly.
const { saleId } = await openSale(urls.inventory, opsToken, {
  skuId: `demo-${Date.now()}`,
  name: 'Demo sneaker',
  stock: STOCK,
  perUserLimit: 1,
  holdTtlSeconds: 600,
});
log(`sale ${saleId} armed with ${STOCK} units`);

// 2. The stampede. A buyer whose connection is reset (2,000 at once on a loaded machine) sends the
// same request again with the same Idempotency-Key, as a real client would: it cannot buy twice.
// Buyer i goes to order instance i mod n, and its resends to the same one.
const buyers = Array.from({ length: BUYERS }, (_, i) => ({
  userId: `buyer-${saleId.slice(0, 8)}-${i}`,
  key: randomUUID(),
  instance: orderInstances[i % orderInstances.length] ?? { name: 'order', base: urls.order },
}));
const started = Date.now();
let resent = 0;
async function placeOrder(buyer: (typeof buyers)[number], attempt = 1): Promise<Awaited<ReturnType<typeof call>>> {
  try {
    return await call(buyer.instance.base, 'POST', '/v1/orders', token(buyer.userId), { sale_id: saleId, quantity: 1 }, { 'idempotency-key': buyer.key });
  } catch (error) {
    if (attempt >= 3) throw error;
    resent += 1;
    await sleep(200 * attempt);
    return placeOrder(buyer, attempt + 1);
  }
}
const results = await Promise.all(buyers.map(async (buyer) => ({ buyer, ...(await placeOrder(buyer)) })));
const accepted = results.filter((r) => r.status === 201);
const soldOut = results.filter((r) => r.json.error?.code === 'SALE_SOLD_OUT').length;
log(
  `${BUYERS} buyers in ${Date.now() - started} ms: ${accepted.length} accepted, ${soldOut} sold out, ${BUYERS - accepted.length - soldOut} other refusals` +
    (resent ? ` (${resent} requests sent again after a reset connection)` : ''),
);
const acceptedBy = Object.fromEntries(
  orderInstances.map((instance) => [instance.name, accepted.filter((r) => r.buyer.instance.name === instance.name).length]),
);
if (orderInstances.length > 1)
  log(
    `accepted per order instance: ${Object.entries(acceptedBy)
      .map(([name, n]) => `${name} ${n}`)
      .join(', ')}`,
  );

// 3. Pay: most plainly, some through the simulator's fault modes, a few declined.
const faultPlan = (i: number): string[] | 'decline' =>
  i % 20 === 19 ? 'decline' : i % 10 === 3 ? ['duplicate'] : i % 10 === 5 ? ['delay'] : i % 10 === 7 ? ['reorder'] : [];
const payments: Array<{ orderId: string; paymentId: string; userId: string; declined: boolean }> = [];
await Promise.all(
  accepted.map(async (result, i) => {
    const orderId = String(result.json.id);
    const opened = await until(`payment for ${orderId}`, async () => {
      const response = await call(urls.payment, 'POST', `/v1/orders/${orderId}/payments`, token(result.buyer.userId), {});
      return response.status === 201 || response.status === 200 ? response.json : undefined;
    });
    const plan = faultPlan(i);
    const providerId = String(opened.provider.payment_id);
    if (plan === 'decline') await call(urls.provider, 'POST', `/v1/payments/${providerId}/decline`, undefined, { reason: 'card declined (demo)' });
    else await call(urls.provider, 'POST', `/v1/payments/${providerId}/complete`, undefined, plan.length ? { faults: plan, delay_ms: 1500 } : {});
    payments.push({ orderId, paymentId: String(opened.payment_id), userId: result.buyer.userId, declined: plan === 'decline' });
  }),
);
const toPay = payments.filter((p) => !p.declined);
log(`${toPay.length} payments completed at the provider, ${payments.length - toPay.length} declined`);

const orderStatus = async (p: { orderId: string; userId: string }) =>
  String((await call(urls.order, 'GET', `/v1/orders/${p.orderId}`, token(p.userId))).json.status);
await until('paid orders to be confirmed', async () => ((await Promise.all(toPay.map(orderStatus))).every((s) => s === 'CONFIRMED') ? true : undefined));

// 4. Ops refunds three confirmed orders.
const refunds = toPay.slice(0, 3);
for (const p of refunds) await call(urls.payment, 'POST', `/v1/payments/${p.paymentId}/refund`, opsToken, { reason: 'customer request (demo)' });
await until('refunds to reach the orders', async () => ((await Promise.all(refunds.map(orderStatus))).every((s) => s === 'REFUNDED') ? true : undefined));

// 5. The books, once inventory consumed every event.
const expectedSold = accepted.length - refunds.length;
const stock = await until('inventory to settle', async () => {
  const view = await call(urls.inventory, 'GET', `/v1/admin/sales/${saleId}/stock`, opsToken);
  const mysqlStock = Number(view.json.mysql?.sku_stock);
  return mysqlStock === STOCK - expectedSold ? view.json : undefined;
});
const statuses = await Promise.all(payments.map(orderStatus));
const count = (status: string) => statuses.filter((s) => s === status).length;

// Read from the books, not through the APIs: each completed payment of this sale against its order.
// The payment and order schemas may live on different servers (one per service on the cluster
// topology), so each is read through its own server's admin connection.
async function adminQuery<T>(urlVariable: string, sql: string, values: unknown[]): Promise<T[]> {
  const connection = await mysql.createConnection({ uri: env(urlVariable) });
  try {
    const [rows] = await connection.query(sql, values);
    return rows as T[];
  } finally {
    await connection.end();
  }
}
const orderIds = accepted.map((result) => String(result.json.id));
const completed = orderIds.length
  ? await adminQuery<{ order_id: string }>(
      'PAYMENT_MYSQL_ADMIN_URL',
      `SELECT DISTINCT order_id FROM payment_service.payments WHERE status = 'COMPLETED' AND order_id IN (?)`,
      [orderIds],
    )
  : [];
const reflected = completed.length
  ? await adminQuery<{ id: string }>(
      'ORDER_MYSQL_ADMIN_URL',
      `SELECT id FROM order_service.orders WHERE id IN (?) AND status IN ('PAID','CONFIRMED','SHIPPED','DELIVERED')`,
      [completed.map((row) => row.order_id)],
    )
  : [];

console.log(
  JSON.stringify({
    sale_id: saleId,
    sale_stock: STOCK,
    orders_accepted: accepted.length,
    accepted_per_order_instance: acceptedBy,
    sold_out_refusals: soldOut,
    other_refusals: BUYERS - accepted.length - soldOut,
    redis_available: stock.redis?.available ?? null,
    mysql_stock: stock.mysql?.sku_stock ?? null,
    oversold: accepted.length > STOCK || Number(stock.redis?.available) < 0 || Number(stock.mysql?.sku_stock) < 0,
    paid: toPay.length,
    confirmed: count('CONFIRMED'),
    refunded: count('REFUNDED'),
    payments_without_order: completed.length - reflected.length,
  }),
);
