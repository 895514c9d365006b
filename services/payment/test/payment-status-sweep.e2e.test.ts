/**
 * A webhook the provider never sends (the simulator's `drop` fault): the payment status sweep asks
 * the provider and applies its answer through the webhook's own path, exactly once.
 */
import { waitFor } from '@flash-sale/testkit';
import type { Counter } from 'prom-client';
import t, { type Test } from 'tap';
import { createPaymentHarness } from './support/payment-harness.ts';
import { postWebhook, providerEvent } from './support/webhook-post.ts';

t.test('payment status sweep over the provider simulator', async (t) => {
  const h = await createPaymentHarness(t.teardown.bind(t));
  const sim = (path: string, body: unknown = {}, method = 'POST') =>
    fetch(`${h.providerUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: method === 'GET' ? null : JSON.stringify(body) });
  const atProvider = async (providerPaymentId: string) =>
    (await (await sim(`/v1/payments/${providerPaymentId}`, undefined, 'GET')).json()) as {
      status: string;
      transaction_id: string | null;
      failure_reason: string | null;
    };
  const paymentRow = async (id: string) =>
    (
      await h.query<{ status: string; transaction_id: string | null; failure_reason: string | null; status_polled_at: string | null }>(
        'SELECT status, transaction_id, failure_reason, status_polled_at FROM payments WHERE id = ?',
        [id],
      )
    )[0];
  const history = (id: string) =>
    h.query<{ from_status: string | null; to_status: string; accepted: number; cause: string; provider_event_id: string | null; details: string | null }>(
      'SELECT from_status, to_status, accepted, cause, provider_event_id, details FROM payment_status_history WHERE payment_id = ? ORDER BY id',
      [id],
    );
  const inbox = (id: string) =>
    h.query<{ provider_event_id: string; event_type: string; outcome: string; duplicate_deliveries: number }>(
      'SELECT provider_event_id, event_type, outcome, duplicate_deliveries FROM webhook_inbox WHERE payment_id = ? ORDER BY received_at, provider_event_id',
      [id],
    );
  const outboxTypes = async (orderId: string) =>
    (await h.query<{ event_type: string }>('SELECT event_type FROM outbox WHERE partition_key = ? ORDER BY id', [orderId])).map((row) => row.event_type);
  const repairs = async (to: 'COMPLETED' | 'FAILED') => {
    const metric = h.metrics.getSingleMetric('payment_status_poll_repairs_total') as Counter | undefined;
    return (await metric?.get())?.values.find((value) => value.labels.to === to)?.value ?? 0;
  };

  /** A payment the shopper paid (or had declined) at the provider, whose webhook was dropped. */
  const droppedPayment = async (t: Test, faults: ('drop' | 'fail')[] = ['drop']) => {
    const order = await h.orderCreated();
    const payment = await h.openPayment(order.order_id, order.user_id);
    t.equal((await sim(`/v1/payments/${payment.provider.payment_id}/complete`, { faults })).status, 200);
    t.match(
      h.simulator.provider.sender.deliveries({ paymentId: payment.provider.payment_id }),
      [{ state: 'dropped', attempts: [] }],
      'the webhook was never sent',
    );
    return { order, payment };
  };

  t.test('a completed payment whose webhook was dropped stays PENDING until the sweep applies COMPLETED, once', async (t) => {
    const { order, payment } = await droppedPayment(t);
    t.equal((await paymentRow(payment.payment_id))?.status, 'PENDING', 'nothing told the service');
    const provider = await atProvider(payment.provider.payment_id);
    t.equal(provider.status, 'succeeded');

    const young = await h.statusSweep({ pollAfterMs: 60_000 }).sweep();
    t.equal(young.polled, 0, 'a payment younger than the poll threshold is left to its webhook');
    t.equal((await paymentRow(payment.payment_id))?.status, 'PENDING');

    const before = await repairs('COMPLETED');
    const sweep = h.statusSweep();
    const first = await sweep.sweep();
    t.equal(first.repaired, 1);
    t.match(await paymentRow(payment.payment_id), { status: 'COMPLETED', transaction_id: provider.transaction_id, status_polled_at: /\d/ });
    t.same(await outboxTypes(order.order_id), ['payment.completed.v1'], 'payment.completed.v1 emitted');
    const pollId = `poll:${payment.provider.payment_id}:succeeded`;
    const completed = (await history(payment.payment_id)).filter((row) => row.to_status === 'COMPLETED');
    t.match(completed, [{ from_status: 'PENDING', accepted: 1, cause: 'provider.payment.succeeded.polled', provider_event_id: pollId }]);
    t.match(JSON.parse(completed[0]!.details!), { transaction_id: provider.transaction_id, source: 'poll' }, 'history says the state came from a poll');
    t.match(await inbox(payment.payment_id), [{ provider_event_id: pollId, event_type: 'payment.succeeded', outcome: 'APPLIED' }]);
    t.equal(await repairs('COMPLETED'), before + 1, 'the repair is counted');

    const historyBefore = await history(payment.payment_id);
    const second = await sweep.sweep();
    t.equal(second.repaired, 0);
    t.same(await history(payment.payment_id), historyBefore, 'a second sweep changes nothing');
    t.same(await outboxTypes(order.order_id), ['payment.completed.v1']);
    t.equal((await inbox(payment.payment_id)).length, 1);
    t.equal(await repairs('COMPLETED'), before + 1);

    t.test('the webhook delivered after the poll is a recorded duplicate with no effect', async (t) => {
      const [dropped] = h.simulator.provider.sender.deliveries({ paymentId: payment.provider.payment_id });
      const late = providerEvent({
        id: dropped!.event_id,
        type: 'payment.succeeded',
        data: {
          payment_id: payment.provider.payment_id,
          reference: payment.payment_id,
          amount_minor: 4999,
          currency: 'EUR',
          transaction_id: provider.transaction_id,
        },
      });
      const response = await postWebhook(h.app, JSON.stringify(late));
      t.equal(response.statusCode, 200, response.body);
      t.match(response.json(), { outcome: 'DUPLICATE', duplicate: true });
      t.equal((await paymentRow(payment.payment_id))?.status, 'COMPLETED');
      t.same(await history(payment.payment_id), historyBefore, 'no transition, no refusal');
      t.same(await outboxTypes(order.order_id), ['payment.completed.v1'], 'no second payment.completed.v1');
      t.same(
        (await inbox(payment.payment_id)).map((row) => [row.provider_event_id, row.outcome]).sort(),
        [
          [late.id, 'DUPLICATE'],
          [pollId, 'APPLIED'],
        ].sort(),
      );
    });
  });

  t.test('two replicas sweeping at once apply a polled result once', async (t) => {
    const { order, payment } = await droppedPayment(t);
    const before = await repairs('COMPLETED');
    const runs = await Promise.all([h.statusSweep().sweep(), h.statusSweep().sweep()]);
    t.equal(
      runs.reduce((sum, run) => sum + run.repaired, 0),
      1,
      'one replica repaired it',
    );
    t.equal((await paymentRow(payment.payment_id))?.status, 'COMPLETED');
    t.same(await outboxTypes(order.order_id), ['payment.completed.v1']);
    t.equal((await history(payment.payment_id)).filter((row) => row.to_status === 'COMPLETED').length, 1);
    t.equal((await inbox(payment.payment_id)).length, 1, 'one inbox row under the deterministic poll id');
    t.equal(await repairs('COMPLETED'), before + 1);
  });

  t.test('a declined payment whose webhook was dropped becomes FAILED (the sweep on its timer)', async (t) => {
    const { order, payment } = await droppedPayment(t, ['fail', 'drop']);
    t.equal((await atProvider(payment.provider.payment_id)).status, 'failed');
    t.equal((await paymentRow(payment.payment_id))?.status, 'PENDING');
    const before = await repairs('FAILED');
    const sweep = h.statusSweep();
    sweep.start(50);
    t.teardown(() => sweep.stop());
    await waitFor(async () => (await paymentRow(payment.payment_id))?.status === 'FAILED', { what: 'FAILED from a poll' });
    await sweep.stop();
    t.match(await paymentRow(payment.payment_id), { status: 'FAILED', failure_reason: 'card_declined' });
    t.same(await outboxTypes(order.order_id), ['payment.failed.v1']);
    const pollId = `poll:${payment.provider.payment_id}:failed`;
    t.match(
      (await history(payment.payment_id)).filter((row) => row.to_status === 'FAILED'),
      [{ accepted: 1, cause: 'provider.payment.failed.polled', provider_event_id: pollId }],
    );
    t.equal(await repairs('FAILED'), before + 1);

    const late = providerEvent({
      type: 'payment.failed',
      data: { payment_id: payment.provider.payment_id, reference: payment.payment_id, amount_minor: 4999, currency: 'EUR', failure_reason: 'card_declined' },
    });
    const response = await postWebhook(h.app, JSON.stringify(late));
    t.match(response.json(), { outcome: 'DUPLICATE', duplicate: true }, 'the late decline webhook changes nothing');
    t.same(await outboxTypes(order.order_id), ['payment.failed.v1']);
  });

  t.test('a payment still pending at the provider stays PENDING, and is not asked again within the threshold', async (t) => {
    const order = await h.orderCreated();
    const payment = await h.openPayment(order.order_id, order.user_id);
    const first = await h.statusSweep().sweep();
    t.equal(first.repaired, 0);
    const polled = await paymentRow(payment.payment_id);
    t.match(polled, { status: 'PENDING', status_polled_at: /\d/ });
    t.same(await inbox(payment.payment_id), []);
    t.equal((await h.statusSweep({ pollAfterMs: 60_000 }).sweep()).polled, 0, 'polled recently: not due');
    t.equal((await paymentRow(payment.payment_id))?.status_polled_at, polled?.status_polled_at);
  });
});
