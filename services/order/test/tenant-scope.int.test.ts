/**
 * Tenant scoping in the order consumer, through the real runtime, Kafka and MariaDB: a payment
 * event whose tenant does not own the order is quarantined with its reason, the order does not
 * move, and the partition goes on to the next event.
 */
import { createEnvelope, readDeadLetters } from '@flash-sale/events';
import { consumerOnTestTopics, createTestKafka } from '@flash-sale/events/testing';
import { createLogger, createMetricsRegistry } from '@flash-sale/service-kit';
import { waitFor } from '@flash-sale/testkit';
import { randomUUID } from 'node:crypto';
import t from 'tap';
import { findOrder, orderHistory } from '../src/infra/order.repository.ts';
import { orderEventHandlers } from '../src/workers/event-handlers.ts';
import { orderHarness, placeOrderRequest } from './support/order-harness.ts';

t.test(
  "payment.completed claiming another tenant than the order's: quarantined with TENANT_MISMATCH, the order not paid by it, the next event handled",
  async (t) => {
    const h = await orderHarness(t);
    const saleId = await h.armSale();
    const placed = await h.app.inject(placeOrderRequest(h.token({ userId: 'buyer' }), randomUUID(), { sale_id: saleId, quantity: 1 }));
    const orderId = placed.json().id as string;
    const testKafka = await createTestKafka(t.teardown.bind(t));
    const topics = await consumerOnTestTopics(t.teardown.bind(t), testKafka);

    const completed = (tenantId: string, paymentId: string) =>
      createEnvelope(
        'payment.completed.v1',
        { payment_id: paymentId, order_id: orderId, transaction_id: `tx-${paymentId}`, amount_minor: 1999, currency: 'EUR' },
        orderId,
        { source: 'payment', tenantId, correlationId: 'c-1' },
        new Date(),
      );
    const foreign = completed('t2', 'pay-foreign');
    const own = completed('t1', 'pay-own');
    await topics.publish(foreign, own);
    await topics.start({
      consumer: 'order',
      pool: h.db.pool,
      logger: createLogger({ service: 'order', level: 'silent' }),
      metrics: createMetricsRegistry('order'),
      handlers: orderEventHandlers(() => h.clock.now),
    });

    await waitFor(async () => (await findOrder(h.db.pool, orderId))?.status === 'PAID', { what: 'the own payment handled', timeoutMs: 60_000 });
    const [entry] = (await readDeadLetters(testKafka.kafka, topics.quarantineTopic)).map((record) => record.entry);
    t.match(entry, {
      kind: 'quarantined',
      event: { id: foreign.id, type: 'payment.completed.v1' },
      error: { code: 'TENANT_MISMATCH', details: { event_tenant: 't2', aggregate_kind: 'order', aggregate_id: orderId, aggregate_tenant: 't1' } },
      attempts: 1,
    });
    t.equal((await findOrder(h.db.pool, orderId))?.paymentId, 'pay-own', 'the order carries the own payment, never the foreign one');
    t.same(
      (await orderHistory(h.db.pool, orderId)).map((step) => [step.to, step.sourceEventId]),
      [
        ['PENDING', null],
        ['PAID', own.id],
      ],
      'the foreign event made no transition',
    );
    t.same(await readDeadLetters(testKafka.kafka, topics.deadLetterTopic), [], 'nothing dead-lettered: refused, not failed');
  },
);
