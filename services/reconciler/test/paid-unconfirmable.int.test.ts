// Paid orders that inventory refused (their `order.created` was dead-lettered, so the books never
// got a reservation): found after the grace period, fenced in the books and refunded, once; and
// only once the broker shows inventory's consumer read past the event (a consumer that is down
// has not refused anything).
import { randomUUID } from 'node:crypto';
import { orderCreated, prepareEvent, writeOutbox } from '@flash-sale/events';
import { uniqueName } from '@flash-sale/testkit';
import { createTestKafka } from '@flash-sale/events/testing';
import type { RowDataPacket } from 'mysql2/promise';
import t from 'tap';
import { runJob } from '../src/application/run-job.ts';
import { paidUnconfirmableJob } from '../src/application/jobs/paid-unconfirmable.job.ts';
import type { JobDeps } from '../src/application/jobs/job.ts';
import { advance, createFixture, type Fixture, type SeededSale } from './support/reconciler-fixture.ts';
import { reconcilerUser, usersPerDatabase } from './support/reconciler-user.ts';

type Tap = { teardown: (fn: () => unknown) => void };

/**
 * Inventory's consumer as the broker records it, on a topic and group of this test's own: the
 * relay publishes `order.created`, and `readAll` commits the group past everything published (as
 * inventory does after applying or dead-lettering each event).
 */
async function inventoryConsumer(
  t: Tap,
  f: Fixture,
): Promise<{ deps: JobDeps; publish: (...orderIds: string[]) => Promise<void>; readAll: () => Promise<void> }> {
  const { kafka, createTopic } = await createTestKafka(t.teardown.bind(t));
  const topicPrefix = `${uniqueName('pu')}.`;
  const consumerGroupPrefix = `${uniqueName('pu')}-`;
  const topic = await createTopic({ topic: `${topicPrefix}${orderCreated.topic}` });
  const producer = kafka.publisher();
  await producer.connect();
  const admin = kafka.admin();
  await admin.connect();
  t.teardown(async () => {
    await producer.disconnect();
    await admin.disconnect();
  });
  return {
    deps: { ...f.deps, kafka, topicPrefix, consumerGroupPrefix },
    publish: async (...orderIds) => {
      await producer.send({ topic, messages: orderIds.map((orderId) => ({ key: orderId, value: JSON.stringify({ order_id: orderId }) })) });
    },
    readAll: async () => {
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({
        groupId: `${consumerGroupPrefix}inventory`,
        topic,
        partitions: ends.map(({ partition, high }) => ({ partition, offset: high })),
      });
    },
  };
}

async function completePayment(f: Fixture, orderId: string): Promise<string> {
  const paymentId = randomUUID();
  await f.payment.pool.query(
    "INSERT INTO payments (id, order_id, tenant_id, user_id, amount_minor, currency, status, transaction_id, created_at, updated_at) VALUES (?, ?, 't1', 'u', 1000, 'EUR', 'COMPLETED', ?, ?, ?)",
    [paymentId, orderId, `tx-${paymentId}`, f.clock.now, f.clock.now],
  );
  return paymentId;
}

/** The order service's `order.created` in its outbox, published (or not yet) by its relay. */
async function orderCreatedInOutbox(f: Fixture, sale: SeededSale, orderId: string, published: boolean): Promise<void> {
  const payload = {
    order_id: orderId,
    sale_id: sale.saleId,
    sku_id: sale.skuId,
    quantity: 1,
    user_id: 'u',
    unit_price_minor: 1000,
    total_minor: 1000,
    currency: 'EUR',
    expires_at: new Date(f.clock.now.getTime() + sale.holdTtlMs).toISOString(),
  };
  await writeOutbox(f.order.pool, [prepareEvent(orderCreated, payload, { source: 'order', tenantId: sale.tenantId, correlationId: orderId }, f.clock.now)]);
  if (published)
    await f.order.pool.query("UPDATE outbox SET published_at = ? WHERE partition_key = ? AND event_type = 'order.created.v1'", [f.clock.now, orderId]);
}

t.test(
  'a PAID order whose order.created inventory dead-lettered: once the grace period passed and the broker shows inventory read past the event, its payment gets one automatic refund, the books are fenced, and the run names it; before that it is only reported',
  async (t) => {
    const f = await createFixture(t.teardown.bind(t));
    const sale = await f.seedSale({ stock: 10 });

    // Refused by inventory: published, paid, and the books never got a reservation.
    const refused = await f.placeOrder(sale);
    await orderCreatedInOutbox(f, sale, refused, true);
    const refusedPayment = await completePayment(f, refused);
    await f.setOrderStatus(refused, 'PAID', 'payment completed');
    // Refused too, and its payment completed while the order stayed PENDING.
    const refusedPending = await f.placeOrder(sale);
    await orderCreatedInOutbox(f, sale, refusedPending, true);
    const refusedPendingPayment = await completePayment(f, refusedPending);
    // Healthy: inventory committed it.
    const confirmable = await f.placeOrder(sale);
    await orderCreatedInOutbox(f, sale, confirmable, true);
    await f.commitStock(sale, confirmable);
    await completePayment(f, confirmable);
    await f.setOrderStatus(confirmable, 'PAID', 'payment completed');
    // Not seen by inventory yet: its event is still in the order outbox (the stuck-outbox job's case).
    const unpublished = await f.placeOrder(sale);
    await orderCreatedInOutbox(f, sale, unpublished, false);
    await completePayment(f, unpublished);
    await f.setOrderStatus(unpublished, 'PAID', 'payment completed');

    const inventory = await inventoryConsumer(t, f);
    await inventory.publish(refused, refusedPending, confirmable);

    const early = await runJob(inventory.deps, paidUnconfirmableJob, 'test');
    t.equal(early.anomaliesFound, 0, 'within the grace period a lagging consumer is not an anomaly');

    advance(f, f.deps.thresholds.unconfirmableAfterMs + 1000);
    // Placed after the others: still within its grace period when the job runs.
    const recent = await f.placeOrder(sale);
    await orderCreatedInOutbox(f, sale, recent, true);
    await completePayment(f, recent);
    await f.setOrderStatus(recent, 'PAID', 'payment completed');
    await inventory.publish(recent);

    // Inventory's consumer has not read those events (down, or behind): nothing is refunded, both are reported.
    const waiting = await runJob(inventory.deps, paidUnconfirmableJob, 'test');
    t.same(waiting.anomalies, { paid_order_awaiting_inventory: 2 }, 'reported, not repaired, while inventory has not read the events');
    t.match(waiting, { repaired: 0, failed: 0 });
    const [none] = await f.payment.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM refunds');
    t.equal(Number(none[0]?.n), 0, 'no refund while the consumer has not read the events');

    await inventory.readAll();
    const run = await runJob(inventory.deps, paidUnconfirmableJob, 'test');
    t.same(run.anomalies, { paid_order_refused_by_inventory: 2 });
    t.match(run, { checked: 2, repaired: 2, failed: 0, outcome: 'completed' });
    t.same([...run.sampleIds].sort(), [refused, refusedPending].sort(), 'the run names exactly the refused orders');
    const [row] = (await f.runs('paid-unconfirmable')).slice(-1);
    t.match(row, { anomalies_found: 2, repaired: 2, outcome: 'completed' });
    t.same([...(row?.sample_ids as string[])].sort(), [refused, refusedPending].sort(), 'the evidence row names them');

    const [refunds] = await f.payment.pool.query<RowDataPacket[]>(
      'SELECT payment_id, order_id, amount_minor, status, initiated_by, requested_by FROM refunds ORDER BY order_id',
    );
    t.same(
      refunds
        .map((refund) => [refund.payment_id, refund.order_id, Number(refund.amount_minor), refund.status, refund.initiated_by, refund.requested_by])
        .sort(),
      [
        [refusedPayment, refused, 1000, 'REQUESTED', 'automatic', 'reconciler'],
        [refusedPendingPayment, refusedPending, 1000, 'REQUESTED', 'automatic', 'reconciler'],
      ].sort(),
      'one REQUESTED refund per refused payment, for the sweep to submit; none for the others',
    );
    const [history] = await f.payment.pool.query<RowDataPacket[]>(
      "SELECT payment_id, from_status, to_status, details FROM payment_status_history WHERE cause = 'refund.requested.automatic'",
    );
    t.equal(history.length, 2, 'each refund request is in the payment history');
    t.match(JSON.parse(String(history.find((entry) => entry.payment_id === refusedPayment)?.details)), {
      order_id: refused,
      requested_by: 'reconciler:paid-unconfirmable',
    });

    const [fences] = await f.inventory.pool.query<RowDataPacket[]>('SELECT order_id, status, release_reason FROM stock_reservations WHERE order_id IN (?, ?)', [
      refused,
      refusedPending,
    ]);
    t.same(
      fences.map((fence) => [fence.status, fence.release_reason]),
      [
        ['released_before_created', 'unconfirmable'],
        ['released_before_created', 'unconfirmable'],
      ],
      'a redriven order.created finds the order released and decrements nothing',
    );
    const [stock] = await f.inventory.pool.query<RowDataPacket[]>('SELECT stock FROM skus WHERE id = ?', [sale.skuId]);
    t.equal(Number(stock[0]?.stock), 9, 'the books keep only the confirmable order');

    const again = await runJob(inventory.deps, paidUnconfirmableJob, 'test');
    t.match(again, { anomaliesFound: 0, repaired: 0, failed: 0 }, 'a second run does nothing more');
    const [count] = await f.payment.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM refunds');
    t.equal(Number(count[0]?.n), 2, 'still one refund per payment');
  },
);

t.test('a refused order whose payment is already being refunded is left to that refund: no second refund', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const sale = await f.seedSale({ stock: 3 });
  const orderId = await f.placeOrder(sale);
  await orderCreatedInOutbox(f, sale, orderId, true);
  const paymentId = await completePayment(f, orderId);
  await f.setOrderStatus(orderId, 'PAID', 'payment completed');
  advance(f, f.deps.thresholds.unconfirmableAfterMs + 1000);
  await f.payment.pool.query(
    "INSERT INTO refunds (id, payment_id, order_id, tenant_id, amount_minor, currency, reason, initiated_by, requested_by, status, created_at) VALUES (?, ?, ?, 't1', 1000, 'EUR', 'ops decided', 'ops', 'ops-1', 'REQUESTED', ?)",
    [randomUUID(), paymentId, orderId, f.clock.now],
  );
  const inventory = await inventoryConsumer(t, f);
  await inventory.publish(orderId);
  await inventory.readAll();
  const run = await runJob(inventory.deps, paidUnconfirmableJob, 'test');
  t.equal(run.anomaliesFound, 0, 'not an anomaly: its refund is under way');
  const [refunds] = await f.payment.pool.query<RowDataPacket[]>('SELECT initiated_by FROM refunds WHERE payment_id = ?', [paymentId]);
  t.same(
    refunds.map((refund) => refund.initiated_by),
    ['ops'],
  );
});

t.test('a run that stopped after fencing the books and before requesting the refund is finished by the next run: one refund, the fence kept', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const sale = await f.seedSale({ stock: 3 });
  const orderId = await f.placeOrder(sale);
  await orderCreatedInOutbox(f, sale, orderId, true);
  const paymentId = await completePayment(f, orderId);
  await f.setOrderStatus(orderId, 'PAID', 'payment completed');
  advance(f, f.deps.thresholds.unconfirmableAfterMs + 1000);
  // Step 1 (inventory database) committed; the process died before step 2 (payment database).
  await f.inventory.pool.query(
    "INSERT INTO stock_reservations (order_id, tenant_id, sale_id, sku_id, quantity, status, release_reason, released_at) VALUES (?, ?, ?, ?, 1, 'released_before_created', 'unconfirmable', NOW(6))",
    [orderId, sale.tenantId, sale.saleId, sale.skuId],
  );
  const inventory = await inventoryConsumer(t, f);
  await inventory.publish(orderId);
  await inventory.readAll();

  const run = await runJob(inventory.deps, paidUnconfirmableJob, 'test');
  t.match(run, { anomaliesFound: 1, repaired: 1, failed: 0, outcome: 'completed' });
  const [refunds] = await f.payment.pool.query<RowDataPacket[]>('SELECT payment_id, status, initiated_by FROM refunds WHERE order_id = ?', [orderId]);
  t.same(
    refunds.map((refund) => [refund.payment_id, refund.status, refund.initiated_by]),
    [[paymentId, 'REQUESTED', 'automatic']],
    'the refund step ran',
  );
  const [fences] = await f.inventory.pool.query<RowDataPacket[]>('SELECT status, release_reason FROM stock_reservations WHERE order_id = ?', [orderId]);
  t.same(
    fences.map((fence) => [fence.status, fence.release_reason]),
    [['released_before_created', 'unconfirmable']],
    'the fence is the one row',
  );
  t.match(await runJob(inventory.deps, paidUnconfirmableJob, 'test'), { anomaliesFound: 0, repaired: 0 }, 'and the run after that finds nothing');
});

t.test('a refused order that inventory took after all (a committed reservation) is neither fenced nor refunded', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const sale = await f.seedSale({ stock: 3 });
  const orderId = await f.placeOrder(sale);
  await orderCreatedInOutbox(f, sale, orderId, true);
  await completePayment(f, orderId);
  await f.setOrderStatus(orderId, 'PAID', 'payment completed');
  advance(f, f.deps.thresholds.unconfirmableAfterMs + 1000);
  await f.inventory.pool.query(
    "INSERT INTO stock_reservations (order_id, tenant_id, sale_id, sku_id, quantity, status, committed_at) VALUES (?, ?, ?, ?, 1, 'committed', NOW(6))",
    [orderId, sale.tenantId, sale.saleId, sale.skuId],
  );
  const inventory = await inventoryConsumer(t, f);
  await inventory.publish(orderId);
  await inventory.readAll();
  t.match(await runJob(inventory.deps, paidUnconfirmableJob, 'test'), { anomaliesFound: 0, repaired: 0, failed: 0 });
  const [refunds] = await f.payment.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM refunds');
  t.equal(Number(refunds[0]?.n), 0);
});

t.test('the reconciler database user can do this repair with exactly what grants.sql gives it', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const sale = await f.seedSale({ stock: 3 });
  const orderId = await f.placeOrder(sale);
  await orderCreatedInOutbox(f, sale, orderId, true);
  await completePayment(f, orderId);
  await f.setOrderStatus(orderId, 'PAID', 'payment completed');
  advance(f, f.deps.thresholds.unconfirmableAfterMs + 1000);

  const { pool, databases } = await reconcilerUser(t, f);

  const inventory = await inventoryConsumer(t, f);
  await inventory.publish(orderId);
  await inventory.readAll();
  const run = await runJob({ ...inventory.deps, pool, databases }, paidUnconfirmableJob, 'test');
  t.match(run, { anomaliesFound: 1, repaired: 1, failed: 0, outcome: 'completed' });
  const [refunds] = await f.payment.pool.query<RowDataPacket[]>('SELECT status FROM refunds WHERE order_id = ?', [orderId]);
  t.same(
    refunds.map((refund) => refund.status),
    ['REQUESTED'],
  );
});

t.test(
  'with the order, payment and inventory databases each reachable only through its own user, the repair still fences the books and requests the refund',
  async (t) => {
    const f = await createFixture(t.teardown.bind(t));
    const sale = await f.seedSale({ stock: 3 });
    const orderId = await f.placeOrder(sale);
    await orderCreatedInOutbox(f, sale, orderId, true);
    await completePayment(f, orderId);
    await f.setOrderStatus(orderId, 'PAID', 'payment completed');
    advance(f, f.deps.thresholds.unconfirmableAfterMs + 1000);

    const { pool, databases } = await usersPerDatabase(t, f);
    const inventory = await inventoryConsumer(t, f);
    await inventory.publish(orderId);
    await inventory.readAll();
    const run = await runJob({ ...inventory.deps, pool, databases }, paidUnconfirmableJob, 'test');
    t.match(run, { anomaliesFound: 1, repaired: 1, failed: 0, outcome: 'completed' });
    const [fences] = await f.inventory.pool.query<RowDataPacket[]>('SELECT status FROM stock_reservations WHERE order_id = ?', [orderId]);
    t.same(
      fences.map((fence) => fence.status),
      ['released_before_created'],
    );
    const [refunds] = await f.payment.pool.query<RowDataPacket[]>('SELECT status FROM refunds WHERE order_id = ?', [orderId]);
    t.same(
      refunds.map((refund) => refund.status),
      ['REQUESTED'],
    );
  },
);
