import { waitFor } from '@flash-sale/testkit';
import t from 'tap';
import { createPaymentHarness, OLD_WEBHOOK_SECRET } from './support/payment-harness.ts';
import { postWebhook, providerEvent } from './support/webhook-post.ts';

// One database for the file: each subtest opens its own order and payment.
t.test('provider webhook inbox', async (t) => {
  const h = await createPaymentHarness(t.teardown.bind(t));
  const inboxCount = async () => Number((await h.query<{ n: string }>('SELECT COUNT(*) AS n FROM webhook_inbox'))[0]?.n);
  const paymentRow = async (id: string) =>
    (await h.query<{ status: string; transaction_id: string | null }>('SELECT status, transaction_id FROM payments WHERE id = ?', [id]))[0];
  const history = (id: string) =>
    h.query<{ from_status: string | null; to_status: string; accepted: number; cause: string; provider_event_id: string | null }>(
      'SELECT from_status, to_status, accepted, cause, provider_event_id FROM payment_status_history WHERE payment_id = ? ORDER BY id',
      [id],
    );
  const outboxTypes = async (orderId: string) =>
    (await h.query<{ event_type: string }>('SELECT event_type FROM outbox WHERE partition_key = ? ORDER BY id', [orderId])).map((row) => row.event_type);

  const openOrderPayment = async (totalMinor = 4999) => {
    const order = await h.orderCreated({ totalMinor });
    const payment = await h.openPayment(order.order_id, order.user_id);
    return { order, payment };
  };
  const succeeded = (payment: { payment_id: string; provider: { payment_id: string } }, extra: Record<string, unknown> = {}) =>
    providerEvent({
      type: 'payment.succeeded',
      data: {
        payment_id: payment.provider.payment_id,
        reference: payment.payment_id,
        amount_minor: 4999,
        currency: 'EUR',
        transaction_id: `txn_${payment.payment_id.slice(0, 8)}`,
        ...extra,
      },
    });

  t.test('a bad signature or a stale timestamp is a 400 in the error contract, and nothing is stored', async (t) => {
    const { payment } = await openOrderPayment();
    const body = JSON.stringify(succeeded(payment));
    const before = await inboxCount();

    const oneByteChanged = body.replace('"amount_minor":4999', '"amount_minor":4998');
    t.equal(oneByteChanged.length, body.length);
    const cases = {
      'body changed by one byte': await postWebhook(h.app, oneByteChanged, { signedBody: body }),
      're-serialized JSON': await postWebhook(h.app, JSON.stringify(JSON.parse(body), null, 1), { signedBody: body }),
      'wrong secret': await postWebhook(h.app, body, { secret: 'an-attacker-guessed-this-one' }),
      'timestamp older than 300 s': await postWebhook(h.app, body, { timestamp: Math.floor(Date.now() / 1000) - 301 }),
    };
    for (const [name, response] of Object.entries(cases)) {
      t.equal(response.statusCode, 400, name);
      t.equal(response.json().error.code, 'WEBHOOK_SIGNATURE_INVALID', name);
      t.type(response.json().error.details.reason, 'string', name);
    }
    const missing = await h.app.inject({ method: 'POST', url: '/v1/webhooks/provider', headers: { 'content-type': 'application/json' }, payload: body });
    t.equal(missing.statusCode, 400);
    t.equal(await inboxCount(), before, 'nothing stored');
    t.equal((await paymentRow(payment.payment_id))?.status, 'PENDING');
  });

  t.test('rotation: the previous and the current secret are both accepted', async (t) => {
    const first = await openOrderPayment();
    const second = await openOrderPayment();
    const withOld = await postWebhook(h.app, JSON.stringify(succeeded(first.payment)), { secret: OLD_WEBHOOK_SECRET });
    const withNew = await postWebhook(h.app, JSON.stringify(succeeded(second.payment)));
    t.equal(withOld.statusCode, 200, withOld.body);
    t.equal(withNew.statusCode, 200, withNew.body);
    t.equal((await paymentRow(first.payment.payment_id))?.status, 'COMPLETED');
    t.equal((await paymentRow(second.payment.payment_id))?.status, 'COMPLETED');
  });

  t.test('the same event delivered three times is applied once', async (t) => {
    const { order, payment } = await openOrderPayment();
    const body = JSON.stringify(succeeded(payment));
    const answers = await Promise.all([postWebhook(h.app, body), postWebhook(h.app, body), postWebhook(h.app, body)]);
    t.same(
      answers.map((a) => a.statusCode),
      [200, 200, 200],
    );
    t.same(answers.map((a) => a.json().duplicate).sort(), [false, true, true]);
    t.same(
      answers.map((a) => a.json().outcome),
      ['APPLIED', 'APPLIED', 'APPLIED'],
    );
    t.same(await outboxTypes(order.order_id), ['payment.completed.v1'], 'one outbox event');
    t.equal((await history(payment.payment_id)).filter((row) => row.to_status === 'COMPLETED').length, 1, 'one transition');
    const inbox = await h.query<{ duplicate_deliveries: number; raw_body: string }>(
      'SELECT duplicate_deliveries, raw_body FROM webhook_inbox WHERE payment_id = ?',
      [payment.payment_id],
    );
    t.equal(inbox.length, 1);
    t.equal(Number(inbox[0]?.duplicate_deliveries), 2);
    t.equal(inbox[0]?.raw_body, body, 'the raw body is stored verbatim');
  });

  t.test('failed after completed is refused by the state machine and recorded', async (t) => {
    const { order, payment } = await openOrderPayment();
    t.equal((await postWebhook(h.app, JSON.stringify(succeeded(payment)))).statusCode, 200);
    const late = providerEvent({
      type: 'payment.failed',
      data: { payment_id: payment.provider.payment_id, reference: payment.payment_id, amount_minor: 4999, currency: 'EUR', failure_reason: 'card_declined' },
    });
    const response = await postWebhook(h.app, JSON.stringify(late));
    t.equal(response.statusCode, 200, 'acknowledged: retrying it would never change the answer');
    t.equal(response.json().outcome, 'REFUSED_ILLEGAL_TRANSITION');
    t.equal((await paymentRow(payment.payment_id))?.status, 'COMPLETED');
    const refusal = (await history(payment.payment_id)).find((row) => row.provider_event_id === late.id);
    t.match(refusal, { from_status: 'COMPLETED', to_status: 'FAILED', accepted: 0, cause: 'refused.illegal_transition' });
    t.same(await outboxTypes(order.order_id), ['payment.completed.v1'], 'no payment.failed event');
  });

  /** `payment_webhook_events_total` by outcome, as /metrics exports it. */
  const webhookOutcomes = async () =>
    Object.fromEntries(
      ((await h.metrics.getSingleMetric('payment_webhook_events_total')?.get())?.values ?? []).map((v) => [String(v.labels.outcome), v.value]),
    );

  t.test('an amount or currency differing from the order is refused and audited, and counted although the answer is a 200', async (t) => {
    const { order, payment } = await openOrderPayment();
    const refusedBefore = (await webhookOutcomes()).REFUSED_AMOUNT_MISMATCH ?? 0;
    const cheaper = succeeded(payment, { amount_minor: 1 });
    const dollars = succeeded(payment, { currency: 'USD' });
    for (const event of [cheaper, dollars]) {
      const response = await postWebhook(h.app, JSON.stringify(event));
      t.equal(response.statusCode, 200);
      t.equal(response.json().outcome, 'REFUSED_AMOUNT_MISMATCH');
    }
    t.equal((await paymentRow(payment.payment_id))?.status, 'PENDING');
    const audited = (await history(payment.payment_id)).filter((row) => row.cause === 'refused.amount_mismatch');
    t.equal(audited.length, 2);
    t.same(await outboxTypes(order.order_id), []);
    const inbox = await h.query<{ outcome: string; outcome_detail: string }>('SELECT outcome, outcome_detail FROM webhook_inbox WHERE provider_event_id = ?', [
      cheaper.id,
    ]);
    t.match(inbox[0], { outcome: 'REFUSED_AMOUNT_MISMATCH', outcome_detail: /1 EUR/ });
    t.equal((await webhookOutcomes()).REFUSED_AMOUNT_MISMATCH, refusedBefore + 2, 'the alert PaymentWebhookEventsRefused reads this count');
  });

  t.test('a payment completing after its order expired is refunded automatically', async (t) => {
    const { order, payment } = await openOrderPayment();
    await h.orderEnded('order.expired.v1', order.order_id);
    // The shopper pays at the provider anyway; its webhook reaches the app over HTTP.
    const paid = await fetch(`${h.providerUrl}/v1/payments/${payment.provider.payment_id}/complete`, { method: 'POST' });
    t.equal(paid.status, 200);
    // The provider accepts the refund, then its webhook reports it; the payment ends REFUNDED.
    await waitFor(async () => (await paymentRow(payment.payment_id))?.status === 'REFUNDED', { what: 'refund confirmed by webhook', timeoutMs: 10000 });
    const refund = await h.query<{ initiated_by: string; status: string; provider_refund_id: string }>(
      'SELECT initiated_by, status, provider_refund_id FROM refunds WHERE payment_id = ?',
      [payment.payment_id],
    );
    t.match(refund[0], { initiated_by: 'automatic', status: 'SUCCEEDED', provider_refund_id: /^re_/ });
    t.same(await outboxTypes(order.order_id), ['payment.completed.v1', 'payment.refunded.v1'], 'completed (a fact), then refunded');
    const atProvider = (await (await fetch(`${h.providerUrl}/v1/payments/${payment.provider.payment_id}`)).json()) as { refunds: unknown[] };
    t.equal(atProvider.refunds.length, 1, 'exactly one refund at the provider');
    t.ok((await history(payment.payment_id)).some((row) => row.cause === 'refund.requested.automatic'));
  });
});
