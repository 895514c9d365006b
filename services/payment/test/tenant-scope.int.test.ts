/**
 * Tenant scoping in the payment consumer, through the real runtime, Kafka and MariaDB: order
 * events whose tenant does not own the order view are quarantined with their reason, the view does
 * not move, and the partition goes on to the next event.
 */
import { createEnvelope, readDeadLetters } from '@flash-sale/events';
import { consumerOnTestTopics, createTestKafka } from '@flash-sale/events/testing';
import { createMetricsRegistry } from '@flash-sale/service-kit';
import { waitFor } from '@flash-sale/testkit';
import t from 'tap';
import { TENANT, createPaymentHarness } from './support/payment-harness.ts';

t.test(
  "order events claiming another tenant than the order view's: quarantined with TENANT_MISMATCH, the view untouched, the next event handled",
  async (t) => {
    const h = await createPaymentHarness(t.teardown.bind(t));
    const order = await h.orderCreated({ totalMinor: 1250 });
    const testKafka = await createTestKafka(t.teardown.bind(t));
    const topics = await consumerOnTestTopics(t.teardown.bind(t), testKafka);

    const envelope = (type: string, tenantId: string, payload: Record<string, unknown>) =>
      createEnvelope(
        type,
        { order_id: order.order_id, sale_id: 'sale-1', sku_id: 'sku-1', quantity: 1, ...payload },
        order.order_id,
        { source: 'order', tenantId, correlationId: 'c-1' },
        new Date(),
      );
    const foreignCreated = envelope('order.created.v1', 't2', {
      user_id: 'someone-else',
      unit_price_minor: 1,
      total_minor: 1,
      currency: 'EUR',
      expires_at: new Date(Date.now() + 3600_000).toISOString(),
    });
    const foreignCancelled = envelope('order.cancelled.v1', 't2', { reason: 'not yours' });
    const ownCancelled = envelope('order.cancelled.v1', TENANT, { reason: 'changed my mind' });
    await topics.publish(foreignCreated, foreignCancelled, ownCancelled);
    await topics.start({ consumer: 'payment', pool: h.db.pool, logger: h.logger, metrics: createMetricsRegistry('payment'), handlers: h.handlers });

    const view = async () =>
      (
        await h.query<{ tenant_id: string; user_id: string; total_minor: string; status: string; last_event_id: string }>(
          'SELECT tenant_id, user_id, total_minor, status, last_event_id FROM order_view WHERE order_id = ?',
          [order.order_id],
        )
      )[0];
    await waitFor(async () => (await view())?.status === 'CANCELLED', { what: 'the own cancellation handled', timeoutMs: 60_000 });
    const quarantined = await waitFor(
      async () => {
        const records = await readDeadLetters(testKafka.kafka, topics.quarantineTopic);
        return records.length >= 2 ? records : undefined;
      },
      { what: 'two quarantine entries', timeoutMs: 30_000 },
    );
    t.same(
      quarantined.map(({ entry }) => [entry.event.id, entry.error.code, entry.error.details]),
      [foreignCreated, foreignCancelled].map((event) => [
        event.id,
        'TENANT_MISMATCH',
        { event_tenant: 't2', aggregate_kind: 'order_view', aggregate_id: order.order_id, aggregate_tenant: TENANT },
      ]),
    );
    t.match(
      await view(),
      { tenant_id: TENANT, user_id: order.user_id, total_minor: '1250', status: 'CANCELLED', last_event_id: ownCancelled.id },
      'only the own event changed the view',
    );
    t.same(await readDeadLetters(testKafka.kafka, topics.deadLetterTopic), [], 'nothing dead-lettered: refused, not failed');
  },
);
