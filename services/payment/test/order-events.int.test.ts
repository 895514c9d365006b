import { waitFor } from '@flash-sale/testkit';
import t from 'tap';
import { createPaymentHarness } from './support/payment-harness.ts';

t.test("order events keep the payment service's order view, in the consumer's transaction", async (t) => {
  const h = await createPaymentHarness(t.teardown.bind(t));
  const view = async (orderId: string) =>
    (
      await h.query<{ status: string; total_minor: string; user_id: string }>('SELECT status, total_minor, user_id FROM order_view WHERE order_id = ?', [
        orderId,
      ])
    )[0];

  t.test('created, redelivered, then expired: a pending order can no longer be paid', async (t) => {
    const order = await h.orderCreated({ totalMinor: 1250 });
    t.match(await view(order.order_id), { status: 'PENDING', total_minor: '1250', user_id: order.user_id });
    await h.orderEnded('order.expired.v1', order.order_id);
    await h.orderCreated({ orderId: order.order_id, userId: order.user_id, totalMinor: 1250 });
    t.equal((await view(order.order_id))?.status, 'EXPIRED', 'a late order.created does not resurrect the order');
    const response = await h.app.inject({
      method: 'POST',
      url: `/v1/orders/${order.order_id}/payments`,
      headers: { authorization: `Bearer ${h.token(order.user_id)}` },
    });
    t.equal(response.statusCode, 409);
    t.equal(response.json().error.code, 'ORDER_NOT_PAYABLE');
  });

  t.test('an order cancelled after its payment completed gets its money back', async (t) => {
    const order = await h.orderCreated();
    const payment = await h.openPayment(order.order_id, order.user_id);
    await fetch(`${h.providerUrl}/v1/payments/${payment.provider.payment_id}/complete`, { method: 'POST' });
    const status = async () => (await h.query<{ status: string }>('SELECT status FROM payments WHERE id = ?', [payment.payment_id]))[0]?.status;
    await waitFor(async () => (await status()) === 'COMPLETED', { what: 'completion' });
    await h.orderEnded('order.cancelled.v1', order.order_id);
    await h.orderEnded('order.cancelled.v1', order.order_id);
    const refunds = await h.query<{ initiated_by: string; status: string }>('SELECT initiated_by, status FROM refunds WHERE payment_id = ?', [
      payment.payment_id,
    ]);
    t.match(refunds, [{ initiated_by: 'automatic', status: 'REQUESTED' }], 'one refund, however often the event comes');
    t.equal(await h.refunds.sweep(), 1, 'the sweep submits it');
    await waitFor(async () => (await status()) === 'REFUNDED', { what: 'refund webhook' });
  });
});
