import { randomUUID } from 'node:crypto';
import { createTestDatabase } from '@flash-sale/testkit';
import type { Pool, PoolConnection, RowDataPacket } from 'mysql2/promise';
import t from 'tap';
import { confirmIfReady, orderTables, transitionOrder, type OrderStatus } from '../src/index.ts';

// The tables as the order service's migrations create them.
const orderMigrationsDir = new URL('../../../services/order/migrations', import.meta.url).pathname;

const db = await createTestDatabase(t.teardown.bind(t), { migrationsDirs: [orderMigrationsDir], prefix: 'ol' });
const now = new Date('2026-11-30T12:00:00.000Z');

async function inTransaction<T>(pool: Pool, work: (tx: PoolConnection) => Promise<T>): Promise<T> {
  const tx = await pool.getConnection();
  try {
    await tx.beginTransaction();
    const result = await work(tx);
    await tx.commit();
    return result;
  } catch (error) {
    await tx.rollback();
    throw error;
  } finally {
    tx.release();
  }
}

async function placeOrder(status: OrderStatus, options: { stockCommitted?: boolean; tenantId?: string } = {}): Promise<string> {
  const id = randomUUID();
  await db.pool.query(
    `INSERT INTO orders (id, tenant_id, user_id, sale_id, sku_id, quantity, unit_price_minor, total_minor, currency, status, stock_committed, expires_at, created_at, updated_at)
     VALUES (?, ?, 'u1', 's1', 'k1', 1, 100, 100, 'EUR', ?, ?, ?, ?, ?)`,
    [id, options.tenantId ?? 'tenant-a', status, options.stockCommitted ? 1 : 0, now, now, now],
  );
  return id;
}

async function orderOf(id: string) {
  const [rows] = await db.pool.query<RowDataPacket[]>('SELECT status, payment_id FROM orders WHERE id = ?', [id]);
  return rows[0];
}

async function historyOf(id: string) {
  const [rows] = await db.pool.query<RowDataPacket[]>(
    'SELECT from_status, to_status, cause, source_event_id FROM order_status_history WHERE order_id = ? ORDER BY id',
    [id],
  );
  return rows.map((row) => ({ ...row }));
}

t.test('an allowed command moves the order, sets the payment and records its history row', async (t) => {
  const id = await placeOrder('PENDING');
  const eventId = randomUUID();
  const result = await inTransaction(db.pool, (tx) =>
    transitionOrder(tx, { orderId: id, command: 'pay', cause: 'payment p1 completed', sourceEventId: eventId, now, paymentId: 'p1' }),
  );
  t.same(result, { ok: true, from: 'PENDING', to: 'PAID' });
  t.same({ ...(await orderOf(id)) }, { status: 'PAID', payment_id: 'p1' });
  t.same(await historyOf(id), [{ from_status: 'PENDING', to_status: 'PAID', cause: 'payment p1 completed', source_event_id: eventId }]);
});

t.test('a command the status does not allow changes nothing and names the current status', async (t) => {
  const id = await placeOrder('EXPIRED');
  const result = await inTransaction(db.pool, (tx) => transitionOrder(tx, { orderId: id, command: 'pay', cause: 'late payment', now, paymentId: 'p2' }));
  t.same(result, { ok: false, current: 'EXPIRED' });
  t.same({ ...(await orderOf(id)) }, { status: 'EXPIRED', payment_id: null });
  t.same(await historyOf(id), []);
});

t.test('an unknown order is a refusal with no current status', async (t) => {
  const result = await inTransaction(db.pool, (tx) => transitionOrder(tx, { orderId: randomUUID(), command: 'expire', cause: 'deadline', now }));
  t.same(result, { ok: false, current: null });
});

t.test('a tenant check that throws refuses before anything changes', async (t) => {
  const id = await placeOrder('PENDING', { tenantId: 'tenant-b' });
  const seen: string[] = [];
  await t.rejects(
    inTransaction(db.pool, (tx) =>
      transitionOrder(tx, {
        orderId: id,
        command: 'cancel',
        cause: 'cancelled',
        now,
        checkTenant: (tenantId) => {
          seen.push(tenantId);
          throw new Error('not this tenant');
        },
      }),
    ),
    /not this tenant/,
  );
  t.same(seen, ['tenant-b']);
  t.equal((await orderOf(id))?.status, 'PENDING');
});

t.test('two writers racing on one PENDING order: exactly one transition wins', async (t) => {
  const id = await placeOrder('PENDING');
  const results = await Promise.all([
    inTransaction(db.pool, (tx) => transitionOrder(tx, { orderId: id, command: 'expire', cause: 'deadline', now })),
    inTransaction(db.pool, (tx) => transitionOrder(tx, { orderId: id, command: 'pay', cause: 'paid', now, paymentId: 'p3' })),
  ]);
  t.equal(results.filter((result) => result.ok).length, 1);
  t.equal((await historyOf(id)).length, 1, 'one history row');
});

t.test('confirmIfReady confirms a PAID order only once its stock is committed', async (t) => {
  const waiting = await placeOrder('PAID');
  t.equal(await inTransaction(db.pool, (tx) => confirmIfReady(tx, { orderId: waiting, now })), false);
  t.equal((await orderOf(waiting))?.status, 'PAID');

  const ready = await placeOrder('PAID', { stockCommitted: true });
  t.equal(await inTransaction(db.pool, (tx) => confirmIfReady(tx, { orderId: ready, now })), true);
  t.equal((await orderOf(ready))?.status, 'CONFIRMED');
  t.same(await historyOf(ready), [{ from_status: 'PAID', to_status: 'CONFIRMED', cause: 'paid and stock committed', source_event_id: null }]);
  t.equal(await inTransaction(db.pool, (tx) => confirmIfReady(tx, { orderId: ready, now })), false, 'a second call changes nothing');

  const pending = await placeOrder('PENDING', { stockCommitted: true });
  t.equal(await inTransaction(db.pool, (tx) => confirmIfReady(tx, { orderId: pending, now, cause: 'reconciler: paid and stock committed' })), false);
});

t.test('from another default schema, the qualified tables run the same guarded write', async (t) => {
  const other = await createTestDatabase(t.teardown.bind(t), { prefix: 'ol_other' });
  const tables = orderTables(db.name);
  const id = await placeOrder('PAID', { stockCommitted: true });
  t.equal(await inTransaction(other.pool, (tx) => confirmIfReady(tx, { orderId: id, now, cause: 'reconciler: paid and stock committed', tables })), true);
  t.same(await historyOf(id), [{ from_status: 'PAID', to_status: 'CONFIRMED', cause: 'reconciler: paid and stock committed', source_event_id: null }]);
  await t.rejects(
    inTransaction(other.pool, (tx) => transitionOrder(tx, { orderId: id, command: 'ship', cause: 'shipped', now })),
    /doesn't exist/,
    'unqualified, the other schema has no orders table',
  );
});
