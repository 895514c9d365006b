// ADR 0010 proven on one test server: every service database reachable only through a user of its
// own with grants on that schema alone, and the reconciler's own schema through another. Every job,
// the repairs across services, the invariants, the trace, the tenant scope and both the replay and
// the Redis rebuild then run; a statement that still reached across schemas would be refused.
import { randomUUID } from 'node:crypto';
import type { RowDataPacket } from 'mysql2/promise';
import t from 'tap';
import { traceOrder } from '../src/application/order-trace.ts';
import { runJob } from '../src/application/run-job.ts';
import { idsOfTenant } from '../src/application/tenant-scope.ts';
import { checkInvariants } from '../src/application/check-invariants.ts';
import { contracts } from '../src/domain/recovery-contracts/index.ts';
import type { JobDeps } from '../src/application/jobs/job.ts';
import { jobs } from '../src/application/jobs/registry.ts';
import { replayInventoryStock } from '../src/application/replay/inventory-stock.replay.ts';
import { advance, createFixture } from './support/reconciler-fixture.ts';
import { usersPerDatabase } from './support/reconciler-user.ts';

const refusal = (work: Promise<unknown>): Promise<unknown> =>
  work.then(
    () => ({ refused: false }),
    (error: unknown) => error,
  );

t.test(
  'with each service database reachable only through its own user, every job runs, pays, expires and returns stock across services, and reaching into another schema is refused',
  async (t) => {
    const f = await createFixture(t.teardown.bind(t));
    const { pool, databases } = await usersPerDatabase(t, f);
    const deps: JobDeps = { ...f.deps, pool, databases };

    const sale = await f.seedSale({ stock: 5 });
    // Payment database → order database: a COMPLETED payment whose order stayed PENDING.
    const paid = await f.placeOrder(sale);
    await f.commitStock(sale, paid);
    const paymentId = randomUUID();
    await f.payment.pool.query(
      "INSERT INTO payments (id, order_id, tenant_id, user_id, amount_minor, currency, status, transaction_id, created_at, updated_at) VALUES (?, ?, 't1', 'u1', 1000, 'EUR', 'COMPLETED', ?, ?, ?)",
      [paymentId, paid, `tx-${paymentId}`, f.clock.now, f.clock.now],
    );
    await f.payment.pool.query(
      "INSERT INTO payment_status_history (payment_id, from_status, to_status, accepted, cause, created_at) VALUES (?, 'PENDING', 'COMPLETED', 1, 'provider webhook', ?)",
      [paymentId, f.clock.now],
    );
    // Order database → inventory database: an overdue order expired, then its stock returned.
    const overdue = await f.placeOrder(sale);
    await f.commitStock(sale, overdue);
    // Order database → inventory database: a cancelled order whose stock never came back.
    const cancelled = await f.placeOrder(sale);
    await f.commitStock(sale, cancelled);
    await f.setOrderStatus(cancelled, 'CANCELLED', 'shopper cancelled');

    advance(f, 11 * 60_000);
    const runs = new Map<string, Awaited<ReturnType<typeof runJob>>>();
    for (const job of jobs) {
      const run = await runJob(deps, job, 'test');
      t.match(run, { outcome: 'completed', failed: 0 }, `${job.name} completes with no failed repair`);
      runs.set(job.name, run);
    }
    t.match(runs.get('paid-order-pending'), { repaired: 1 });
    t.match(runs.get('overdue-pending'), { repaired: 1 });
    t.match(runs.get('unreturned-stock'), { repaired: 1 });

    const [orders] = await f.order.pool.query<RowDataPacket[]>('SELECT id, status, payment_id FROM orders WHERE id IN (?, ?, ?)', [paid, overdue, cancelled]);
    t.same(Object.fromEntries(orders.map((row) => [row.id, [row.status, row.payment_id]])), {
      [paid]: ['CONFIRMED', paymentId],
      [overdue]: ['EXPIRED', null],
      [cancelled]: ['CANCELLED', null],
    });
    const [reservations] = await f.inventory.pool.query<RowDataPacket[]>('SELECT order_id, status FROM stock_reservations WHERE order_id IN (?, ?)', [
      overdue,
      cancelled,
    ]);
    t.same(
      reservations.map((row) => row.status),
      ['released', 'released'],
      'both units are back in the books',
    );
    const [stock] = await f.inventory.pool.query<RowDataPacket[]>('SELECT stock FROM skus WHERE id = ?', [sale.skuId]);
    t.equal(Number(stock[0]?.stock), 4, 'only the paid order keeps its unit');
    t.equal(
      await f.redis.hget(f.reservations.keys(sale.saleId).orders, cancelled).then((raw) => (raw ? (JSON.parse(raw) as { s: string }).s : null)),
      'R',
      'and Redis released it',
    );

    for (const contract of contracts) {
      const results = await checkInvariants(databases, contract);
      t.ok(
        Object.values(results).every((violations) => violations === 0),
        `${contract.flow} invariants hold: ${JSON.stringify(results)}`,
      );
    }
    t.match(
      (await replayInventoryStock(deps, {}, { apply: true })).evidence,
      { confidence_status: 'trusted' },
      'the inventory replay reads the inventory database and stores its evidence in the own schema',
    );
    t.match(
      await traceOrder(deps, paid),
      { order: { status: 'CONFIRMED' }, payments: [{ id: paymentId }], inventory: { reservation: { status: 'committed' } } },
      'the trace gathers all three databases',
    );
    t.same(
      [...(await idsOfTenant(deps, 't1', [paid, sale.saleId, 'someone-else']))].sort(),
      [paid, sale.saleId].sort(),
      'tenant scope looks each id up in its own database',
    );

    // Redis lost the sale: the rebuild reads the order and inventory databases, each in its own snapshot.
    await f.redis.del(...Object.values(f.reservations.keys(sale.saleId)));
    t.match(
      await runJob(
        deps,
        jobs.find((job) => job.name === 'redis-rebuild')!,
        'test',
      ),
      { outcome: 'completed', repaired: 1, failed: 0 },
    );
    t.match(await f.reservations.view(sale.saleId), { sold: 1, held: 0 });

    const reachingAcross: Record<string, [keyof typeof databases, string]> = {
      'orders from the payment connection': ['payment', `SELECT id FROM \`${f.order.name}\`.orders`],
      'payments from the order connection': ['order', `SELECT id FROM \`${f.payment.name}\`.payments`],
      'reservations from the order connection': ['order', `SELECT order_id FROM \`${f.inventory.name}\`.stock_reservations`],
      'orders from the inventory connection': ['inventory', `SELECT id FROM \`${f.order.name}\`.orders`],
    };
    for (const [what, [service, sql]] of Object.entries(reachingAcross)) {
      t.match(await refusal(databases[service].query(sql)), { code: /^ER_(TABLEACCESS_DENIED_ERROR|DBACCESS_DENIED_ERROR)$/ }, `${what} is refused`);
    }
    t.match(await refusal(pool.query(`SELECT id FROM \`${f.order.name}\`.orders`)), { code: /DENIED/ }, 'the own-schema user reads no service schema');
  },
);
