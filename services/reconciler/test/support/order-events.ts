/**
 * Order-lifecycle events on uuid-named topics, as the services' outbox relays publish them: the
 * envelope as the value, the order id as the key. Order events go to one topic and payment and
 * stock events to another (the replay dispatches on the envelope type, not the topic).
 */
import { randomUUID } from 'node:crypto';
import {
  createEnvelope,
  orderCreated,
  orderExpired,
  paymentCompleted,
  paymentFailed,
  stockCommitted,
  type Envelope,
  type EventPublisher,
} from '@flash-sale/events';
import { type Teardown } from '@flash-sale/testkit';
import { createTestKafka } from '@flash-sale/events/testing';

export interface OrderEvents {
  /** Event type → topic, for `replayOrderLifecycle({ topics })` and the CLI's `--topic`. */
  topics: Record<string, string>;
  created(orderId: string, at?: Date): Promise<Envelope>;
  expired(orderId: string, at?: Date): Promise<Envelope>;
  stockCommitted(orderId: string, at?: Date): Promise<Envelope>;
  paymentCompleted(orderId: string, paymentId: string, at?: Date): Promise<Envelope>;
  paymentFailed(orderId: string, at?: Date): Promise<Envelope>;
  /** Publishes an envelope again, unchanged: what an outbox relay does after a crash before marking. */
  republish(envelope: Envelope, at?: Date): Promise<void>;
}

const line = (orderId: string) => ({ order_id: orderId, sale_id: 'sale-1', sku_id: 'sku-1', quantity: 1 });

export async function createOrderEvents(teardown: Teardown): Promise<OrderEvents> {
  const kafka = await createTestKafka(teardown);
  const [orderTopic, upstreamTopic] = await Promise.all([kafka.createTopic({ numPartitions: 3 }), kafka.createTopic({ numPartitions: 3 })]);
  const producer: EventPublisher = kafka.kafka.publisher();
  await producer.connect();
  teardown(() => producer.disconnect());
  const topics: Record<string, string> = {
    'order.created.v1': orderTopic,
    'order.cancelled.v1': orderTopic,
    'order.expired.v1': orderTopic,
    'order.refunded.v1': orderTopic,
    'payment.completed.v1': upstreamTopic,
    'payment.failed.v1': upstreamTopic,
    'payment.refunded.v1': upstreamTopic,
    'stock.committed.v1': upstreamTopic,
  };
  const send = async (envelope: Envelope, at: Date) => {
    await producer.send({
      topic: topics[envelope.type] as string,
      acks: -1,
      messages: [{ key: envelope.metadata.partition_key, value: JSON.stringify(envelope), timestamp: String(at.getTime()) }],
    });
  };
  const publish = async (type: string, payload: Record<string, unknown>, orderId: string, at = new Date()) => {
    const envelope = createEnvelope(type, payload, orderId, { source: 'test', tenantId: 't1', correlationId: `test:${orderId}` }, at);
    await send(envelope, at);
    return envelope;
  };
  return {
    topics,
    created: (orderId, at) =>
      publish(
        orderCreated.type,
        {
          ...line(orderId),
          user_id: 'u1',
          unit_price_minor: 1000,
          total_minor: 1000,
          currency: 'EUR',
          expires_at: new Date(Date.now() + 600_000).toISOString(),
        },
        orderId,
        at,
      ),
    expired: (orderId, at) => publish(orderExpired.type, line(orderId), orderId, at),
    stockCommitted: (orderId, at) => publish(stockCommitted.type, line(orderId), orderId, at),
    paymentCompleted: (orderId, paymentId, at) =>
      publish(
        paymentCompleted.type,
        { payment_id: paymentId, order_id: orderId, transaction_id: `tx-${paymentId}`, amount_minor: 1000, currency: 'EUR' },
        orderId,
        at,
      ),
    paymentFailed: (orderId, at) => publish(paymentFailed.type, { payment_id: randomUUID(), order_id: orderId, reason: 'card declined' }, orderId, at),
    republish: (envelope, at = new Date()) => send(envelope, at),
  };
}
