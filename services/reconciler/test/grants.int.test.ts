// ADR 0004 proven against the real server: a uuid-named user gets exactly what prepare.ts grants
// (grants.sql over four uuid-named, migrated schemas), then the reconciler's own jobs run as that
// user and repair each schema, while every write outside the grants is refused by the server.
import { randomUUID } from 'node:crypto';
import { paymentCompleted, prepareEvent, writeOutbox } from '@flash-sale/events';
import { createTestKafka } from '@flash-sale/events/testing';
import type { RowDataPacket } from 'mysql2/promise';
import t from 'tap';
import { runJob } from '../src/application/run-job.ts';
import { grantStatements } from '../src/infra/grants.ts';
import type { JobDeps } from '../src/application/jobs/job.ts';
import { overduePendingJob } from '../src/application/jobs/overdue-pending.job.ts';
import { paidOrderPendingJob } from '../src/application/jobs/paid-order-pending.job.ts';
import { stuckOutboxJob } from '../src/application/jobs/stuck-outbox.job.ts';
import { replayInventoryStock } from '../src/application/replay/inventory-stock.replay.ts';
import { advance, createFixture } from './support/reconciler-fixture.ts';
import { reconcilerUser } from './support/reconciler-user.ts';

const refusal = (work: Promise<unknown>): Promise<unknown> =>
  work.then(
    () => ({ refused: false }),
    (error: unknown) => error,
  );

t.test('grants.sql is split into one statement per GRANT, names substituted, comments dropped', async (t) => {
  const statements = grantStatements({ user: 'rc_x', host: '%', schemas: { order: 'o_db', payment: 'p_db', inventory: 'i_db' } });
  t.ok(statements.length >= 10);
  t.ok(statements.every((statement) => statement.startsWith('GRANT ') && statement.endsWith("TO 'rc_x'@'%'")));
  t.notOk(statements.some((statement) => /[{}]|--/.test(statement)));
  t.throws(() => grantStatements({ user: "x'; DROP USER root; --", host: '%', schemas: { order: 'o', payment: 'p', inventory: 'i' } }));
});

t.test('as the reconciler user: each job reads and repairs what it needs; every other write is refused', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const kafka = await createTestKafka(t.teardown.bind(t));
  const { pool, databases, grants } = await reconcilerUser(t, f);
  const schemas = { order: f.order.name, payment: f.payment.name, inventory: f.inventory.name };
  t.equal(grants, grantStatements({ user: 'u', host: '%', schemas }).length, 'every statement of grants.sql applied');
  const deps: JobDeps = { ...f.deps, pool, databases };
  // Qualified names: the single server's user reaches every schema, within its grants.
  const qualify = (schema: string) => (table: string) => `\`${schema}\`.\`${table}\``;
  const tb = { order: qualify(schemas.order), payment: qualify(schemas.payment), inventory: qualify(schemas.inventory) };

  const sale = await f.seedSale({ stock: 5 });
  // Order schema: a COMPLETED payment whose order stayed PENDING is paid and confirmed.
  const paid = await f.placeOrder(sale);
  await f.commitStock(sale, paid);
  const paymentId = randomUUID();
  await f.payment.pool.query(
    "INSERT INTO payments (id, order_id, tenant_id, user_id, amount_minor, currency, status, transaction_id, created_at, updated_at) VALUES (?, ?, 't1', 'u1', 1000, 'EUR', 'COMPLETED', ?, ?, ?)",
    [paymentId, paid, `tx-${paymentId}`, f.clock.now, f.clock.now],
  );
  // Order and inventory schemas: an overdue order is expired, its stock returned and audited.
  const overdue = await f.placeOrder(sale);
  await f.commitStock(sale, overdue);
  // Payment schema: a payment event stuck in its outbox is published and marked.
  const topic = await kafka.createTopic();
  await writeOutbox(f.payment.pool, [
    prepareEvent(
      paymentCompleted,
      { payment_id: paymentId, order_id: paid, transaction_id: `tx-${paymentId}`, amount_minor: 1000, currency: 'EUR' },
      { source: 'payment-service', tenantId: 't1', correlationId: paid },
      f.clock.now,
    ),
  ]);
  await f.payment.pool.query('UPDATE outbox SET topic = ?, created_at = ?', [topic, new Date(f.clock.now.getTime() - 11 * 60_000)]);

  advance(f, 11 * 60_000);
  t.match(await runJob(deps, paidOrderPendingJob, 'test'), { outcome: 'completed', repaired: 1, failed: 0 });
  t.match(await runJob(deps, overduePendingJob, 'test'), { outcome: 'completed', repaired: 1, failed: 0 });
  t.match(await runJob({ ...deps, outboxes: ['payment'] }, stuckOutboxJob, 'test'), { outcome: 'completed', repaired: 1, failed: 0 });

  const [orders] = await f.order.pool.query<RowDataPacket[]>('SELECT id, status, payment_id FROM orders WHERE id IN (?, ?)', [paid, overdue]);
  t.same(Object.fromEntries(orders.map((row) => [row.id, [row.status, row.payment_id]])), { [paid]: ['CONFIRMED', paymentId], [overdue]: ['EXPIRED', null] });
  const [stock] = await f.inventory.pool.query<RowDataPacket[]>('SELECT stock FROM skus WHERE id = ?', [sale.skuId]);
  t.equal(Number(stock[0]?.stock), 4, 'the expired order’s unit came back');
  const [audit] = await f.inventory.pool.query<RowDataPacket[]>("SELECT operation FROM inventory_audit WHERE ref_id = ? AND operation = 'release'", [overdue]);
  t.equal(audit.length, 1, 'and was audited');
  const [outbox] = await f.payment.pool.query<RowDataPacket[]>('SELECT published_at FROM outbox');
  t.ok(outbox[0]?.published_at, 'the payment event was marked published');
  t.match(
    (await replayInventoryStock(deps, {}, { apply: true })).evidence,
    { confidence_status: 'trusted' },
    'a replay reads every schema and stores its evidence',
  );

  const refused: Record<string, string> = {
    'UPDATE payments': `UPDATE ${tb.payment('payments')} SET status = 'REFUNDED'`,
    'INSERT INTO payments': `INSERT INTO ${tb.payment('payments')} (id, order_id, tenant_id, user_id, amount_minor, currency, status) VALUES ('x', 'x', 't1', 'u', 1, 'EUR', 'COMPLETED')`,
    'INSERT INTO payment outbox': `INSERT INTO ${tb.payment('outbox')} (event_id) VALUES ('x')`,
    'DELETE FROM orders': `DELETE FROM ${tb.order('orders')}`,
    'UPDATE orders price': `UPDATE ${tb.order('orders')} SET total_minor = 0`,
    'INSERT INTO orders': `INSERT INTO ${tb.order('orders')} (id) VALUES ('x')`,
    'DELETE FROM order history': `DELETE FROM ${tb.order('order_status_history')}`,
    'UPDATE inventory_audit': `UPDATE ${tb.inventory('inventory_audit')} SET stock_delta = 0`,
    'DELETE FROM inventory_audit': `DELETE FROM ${tb.inventory('inventory_audit')}`,
    'UPDATE skus initial stock': `UPDATE ${tb.inventory('skus')} SET initial_stock = 1000`,
    'DELETE FROM inventory outbox': `DELETE FROM ${tb.inventory('outbox')}`,
    'DROP TABLE orders': `DROP TABLE ${tb.order('orders')}`,
  };
  for (const [what, sql] of Object.entries(refused)) {
    t.match(await refusal(pool.query(sql)), { code: /^ER_(TABLE|COLUMN)ACCESS_DENIED_ERROR$/ }, `${what} is refused`);
  }
  const [payments] = await f.payment.pool.query<RowDataPacket[]>('SELECT status FROM payments');
  t.same(
    payments.map((row) => row.status),
    ['COMPLETED'],
    'the payment is untouched',
  );
});
