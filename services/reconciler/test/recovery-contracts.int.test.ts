// Every flow's contract answers all seven questions, its invariants run against the real migrated
// schemas, and the committed docs are the rendering of the data.
import { readFileSync } from 'node:fs';
import t from 'tap';
import { checkInvariants } from '../src/application/check-invariants.ts';
import { contracts, type Invariant } from '../src/domain/recovery-contracts/index.ts';
import { renderContracts } from '../src/domain/recovery-contracts/render-contracts.ts';
import { createFixture } from './support/reconciler-fixture.ts';

t.test('each critical flow has a complete contract', async (t) => {
  t.same(
    contracts.map((contract) => contract.flow),
    ['inventory-stock', 'order-lifecycle', 'payment'],
  );
  for (const contract of contracts) {
    const answers = [contract.history.source, contract.ordering, contract.idempotencyKey, contract.projection, contract.replayScope];
    t.ok(
      answers.every((answer) => answer.trim().length > 20),
      `${contract.flow}: H, O, I, F, S answered`,
    );
    t.ok(contract.history.tables.length > 0, `${contract.flow}: H names its tables`);
    const wellFormed = (q: Invariant) =>
      q.name && q.description && ('sql' in q ? /violations/.test(q.sql) : /AS ref/.test(q.scan.sql) && /IN \(\?\)/.test(q.lookup.sql));
    t.ok(contract.invariants.length > 0 && contract.invariants.every(wellFormed), `${contract.flow}: Q has invariants`);
    t.same(
      contract.evidence.fields,
      ['events_processed', 'duplicates_skipped', 'projections_changed', 'reconciliation_failures', 'confidence_status'],
      `${contract.flow}: E`,
    );
  }
});

t.test('every invariant runs against the migrated schemas and holds on consistent books', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const sale = await f.seedSale({ stock: 3 });
  const orderId = await f.placeOrder(sale);
  await f.commitStock(sale, orderId);
  for (const contract of contracts) {
    const results = await checkInvariants(f.deps.databases, contract);
    t.same(
      Object.keys(results),
      contract.invariants.map((q) => q.name),
    );
    t.ok(
      Object.values(results).every((violations) => violations === 0),
      `${contract.flow}: ${JSON.stringify(results)}`,
    );
  }
  // And one fails when the books are wrong.
  await f.inventory.pool.query('UPDATE skus SET stock = stock + 1 WHERE id = ?', [sale.skuId]);
  const broken = await checkInvariants(f.deps.databases, contracts[0]!);
  t.equal(broken.stock_on_hand_matches_transactions, 1);
});

t.test('an invariant over two services reads each from its own database and counts a violation the combination shows', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const sale = await f.seedSale({ stock: 3 });
  const [orderLifecycle, payment] = [contracts[1]!, contracts[2]!];
  // PAID with no payment the payment service knows of.
  const paidWithoutPayment = await f.placeOrder(sale);
  await f.setOrderStatus(paidWithoutPayment, 'PAID', 'test');
  // EXPIRED although its payment completed, and no refund on its way.
  const expiredButPaid = await f.placeOrder(sale);
  await f.setOrderStatus(expiredButPaid, 'EXPIRED', 'test');
  await f.payment.pool.query(
    "INSERT INTO payments (id, order_id, tenant_id, user_id, amount_minor, currency, status, created_at, updated_at) VALUES (UUID(), ?, 't1', 'u', 1000, 'EUR', 'COMPLETED', NOW(6), NOW(6))",
    [expiredButPaid],
  );
  t.match(await checkInvariants(f.deps.databases, orderLifecycle), { paid_orders_have_completed_payment: 1 });
  t.match(await checkInvariants(f.deps.databases, payment), { money_taken_for_dead_order_is_refunded: 1, completed_payment_order_not_pending: 0 });
});

t.test('docs/recovery-contracts.md is the rendering of the contracts', async (t) => {
  const committed = readFileSync(new URL('../../../docs/recovery-contracts.md', import.meta.url), 'utf8');
  t.equal(committed, renderContracts(contracts), 'run `pnpm --filter @flash-sale/reconciler-service contracts:render`');
});
