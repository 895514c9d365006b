import { createEnvelope, createEventConsumer, type Envelope, type HandlerContext } from '@flash-sale/events';
import { bullmqPrefix, createLogger, createMetricsRegistry, createRedis, withTransaction } from '@flash-sale/service-kit';
import { createTestRedis, waitFor } from '@flash-sale/testkit';
import { createTestKafka } from '@flash-sale/events/testing';
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { expireDueOrders } from '../src/application/expire-orders.ts';
import { findOrder, orderHistory } from '../src/infra/order.repository.ts';
import type { PaymentStatusReader } from '../src/infra/payment-status.client.ts';
import { EXPIRY_QUEUE, startExpiryWorker } from '../src/workers/expiry.worker.ts';
import { orderEventHandlers } from '../src/workers/event-handlers.ts';
import { orderHarness, placeOrderRequest, type OrderHarness } from './support/order-harness.ts';

const logger = createLogger({ service: 'order', level: 'silent' });

/** The payment service's answer for orders nobody paid (its real answers are tested in expiry-payment-check and the reconciler's race test). */
const noPayments: PaymentStatusReader = {
  paymentsOf: async (_tenantId, orderIds) =>
    new Map(orderIds.map((orderId) => [orderId, { orderId, state: 'none' as const, paymentId: null, paymentStatus: null }])),
};
const sweep = (h: OrderHarness) => expireDueOrders({ pool: h.db.pool, now: () => h.clock.now, payments: noPayments });

async function placed(h: OrderHarness): Promise<string> {
  const saleId = await h.armSale();
  const response = await h.app.inject(placeOrderRequest(h.token({ userId: 'buyer' }), randomUUID(), { sale_id: saleId, quantity: 2 }));
  return response.json().id as string;
}

function envelope(type: string, orderId: string, payload: Record<string, unknown>): Envelope {
  return createEnvelope(type, { order_id: orderId, ...payload }, orderId, { source: 'test', tenantId: 't1', correlationId: 'c-1' }, new Date());
}

/** Runs a handler the way the runtime does: inside one transaction. */
async function deliver(h: OrderHarness, event: Envelope): Promise<void> {
  const handler = orderEventHandlers(() => h.clock.now)[event.type];
  if (!handler) throw new Error(`no handler for ${event.type}`);
  await withTransaction(h.db.pool, (tx) =>
    handler(event, { tx, logger, topic: 't', partition: 0, offset: '0', attempt: 1, traceparent: undefined } satisfies HandlerContext),
  );
}

const completed = (orderId: string) =>
  envelope('payment.completed.v1', orderId, { payment_id: 'pay-1', transaction_id: `tx-${orderId}`, amount_minor: 3998, currency: 'EUR' });

t.test('paid first, stock committed later: PENDING → PAID → CONFIRMED, each step with its cause', async (t) => {
  const h = await orderHarness(t);
  const orderId = await placed(h);
  await deliver(h, completed(orderId));
  t.equal((await findOrder(h.db.pool, orderId))?.status, 'PAID');
  await deliver(h, envelope('stock.committed.v1', orderId, { sale_id: 's', sku_id: 'k', quantity: 2 }));
  const order = await findOrder(h.db.pool, orderId);
  t.equal(order?.status, 'CONFIRMED');
  t.equal(order?.paymentId, 'pay-1');
  t.match(
    (await orderHistory(h.db.pool, orderId)).map((s) => `${s.from}→${s.to}: ${s.cause}`),
    [/null→PENDING/, /PENDING→PAID: payment pay-1 completed/, /PAID→CONFIRMED: paid and stock committed/],
  );
});

t.test('stock committed first: the payment confirms at once; a refund then restocks', async (t) => {
  const h = await orderHarness(t);
  const orderId = await placed(h);
  await deliver(h, envelope('stock.committed.v1', orderId, { sale_id: 's', sku_id: 'k', quantity: 2 }));
  t.equal((await findOrder(h.db.pool, orderId))?.status, 'PENDING');
  await deliver(h, completed(orderId));
  t.equal((await findOrder(h.db.pool, orderId))?.status, 'CONFIRMED');
  await deliver(
    h,
    envelope('payment.refunded.v1', orderId, { payment_id: 'pay-1', refund_id: 'r-1', amount_minor: 3998, currency: 'EUR', reason: 'customer request' }),
  );
  t.equal((await findOrder(h.db.pool, orderId))?.status, 'REFUNDED');
  const [rows] = (await h.db.pool.query("SELECT envelope FROM outbox WHERE event_type = 'order.refunded.v1'")) as unknown as [Array<{ envelope: string }>];
  t.equal(rows.length, 1);
  t.match(JSON.parse(rows[0]?.envelope ?? '{}').payload, { order_id: orderId, restock: true, quantity: 2 });
});

t.test('a payment for an expired order changes nothing; a failed payment leaves the order pending', async (t) => {
  const h = await orderHarness(t);
  const orderId = await placed(h);
  await deliver(h, envelope('payment.failed.v1', orderId, { payment_id: 'pay-0', reason: 'card declined' }));
  t.equal((await findOrder(h.db.pool, orderId))?.status, 'PENDING');
  h.clock.now = new Date(h.clock.now.getTime() + 3_600_000);
  t.match(await sweep(h), { checked: 1, expired: 1 });
  await deliver(h, completed(orderId));
  t.equal((await findOrder(h.db.pool, orderId))?.status, 'EXPIRED');
});

t.test('expiry expires each order once, even when the sweep runs twice at the same time', async (t) => {
  const h = await orderHarness(t);
  const first = await placed(h);
  const second = await placed(h);
  h.clock.now = new Date(h.clock.now.getTime() + 3_600_000);
  const runs = await Promise.all([sweep(h), sweep(h)]);
  t.equal(runs[0].expired + runs[1].expired, 2);
  t.match(await sweep(h), { checked: 0, expired: 0 });
  const [rows] = (await h.db.pool.query("SELECT partition_key FROM outbox WHERE event_type = 'order.expired.v1' ORDER BY partition_key")) as unknown as [
    Array<{ partition_key: string }>,
  ];
  t.same(
    rows.map((r) => r.partition_key),
    [first, second].sort(),
  );
});

t.test('the BullMQ scheduler runs the sweep by itself', async (t) => {
  const h = await orderHarness(t);
  const orderId = await placed(h);
  h.clock.now = new Date(h.clock.now.getTime() + 3_600_000);
  const { target, prefix } = await createTestRedis(t.teardown.bind(t));
  // BullMQ's own connection: no auto-pipelining, blocking commands never time out.
  const connection = createRedis(target, { maxRetriesPerRequest: null, enableAutoPipelining: false });
  t.teardown(() => connection.quit());
  const expiry = await startExpiryWorker({
    connection,
    pool: h.db.pool,
    logger,
    metrics: createMetricsRegistry('order'),
    now: () => h.clock.now,
    payments: noPayments,
    everyMs: 200,
    prefix: bullmqPrefix(EXPIRY_QUEUE, prefix),
  });
  t.teardown(() => expiry.close());
  await waitFor(async () => (await findOrder(h.db.pool, orderId))?.status === 'EXPIRED', { what: 'the scheduled sweep', timeoutMs: 15_000 });
  t.match(
    (await orderHistory(h.db.pool, orderId)).at(-1),
    { from: 'PENDING', to: 'EXPIRED', cause: 'payment deadline passed' },
    'expired by the scheduled job',
  );
});

t.test('through the real broker: a payment.completed event moves the order to PAID', async (t) => {
  const h = await orderHarness(t);
  const orderId = await placed(h);
  const { kafka, createTopic, groupId } = await createTestKafka(t.teardown.bind(t));
  const paymentTopic = await createTopic({ numPartitions: 2 });
  const dlq = await createTopic();
  const quarantine = await createTopic();
  const consumer = createEventConsumer({
    consumer: 'order',
    groupId: groupId(),
    kafka,
    pool: h.db.pool,
    logger,
    metrics: createMetricsRegistry('order'),
    handlers: { 'payment.completed.v1': orderEventHandlers(() => h.clock.now)['payment.completed.v1'] },
    topicFor: () => paymentTopic,
    deadLetterTopic: dlq,
    quarantineTopic: quarantine,
  });
  await consumer.start();
  t.teardown(() => consumer.stop());
  const producer = kafka.publisher();
  await producer.connect();
  t.teardown(() => producer.disconnect());
  const event = completed(orderId);
  await producer.send({ topic: paymentTopic, messages: [{ key: orderId, value: JSON.stringify(event) }] });
  await waitFor(async () => (await findOrder(h.db.pool, orderId))?.status === 'PAID', { what: 'order PAID', timeoutMs: 30_000 });
  const order = await findOrder(h.db.pool, orderId);
  t.equal(order?.paymentId, 'pay-1', 'the payment id came with the event');
  t.match((await orderHistory(h.db.pool, orderId)).at(-1), { to: 'PAID', sourceEventId: event.id });
});
