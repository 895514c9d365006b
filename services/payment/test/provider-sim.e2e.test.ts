/**
 * The provider simulator and the payment app, each on a real port: webhooks travel over HTTP,
 * with the simulator's retries, backoff and fault modes.
 */
import { waitFor } from '@flash-sale/testkit';
import mysql from 'mysql2/promise';
import t from 'tap';
import { createPaymentHarness } from './support/payment-harness.ts';
import { startTcpProxy } from './support/tcp-proxy.ts';

t.test('payment app and provider simulator over HTTP', async (t) => {
  const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(process.env.MYSQL_ADMIN_URL ?? 'mysql://x@127.0.0.1:3306').port || 3306) });
  t.teardown(() => proxy.close());
  // The app reaches the database only through the proxy, so the test can take it away.
  const h = await createPaymentHarness(t.teardown.bind(t), {
    appPool: (url) => {
      const proxied = new URL(url);
      proxied.host = `127.0.0.1:${proxy.port}`;
      const pool = mysql.createPool({
        uri: proxied.toString(),
        connectionLimit: 5,
        connectTimeout: 1000,
        timezone: 'Z',
        dateStrings: true,
        supportBigNumbers: true,
        bigNumberStrings: true,
      });
      t.teardown(() => pool.end());
      return pool;
    },
    retry: { baseMs: 40, maxMs: 320, maxAttempts: 40 },
  });
  const sim = (path: string, body: unknown = {}, method = 'POST') =>
    fetch(`${h.providerUrl}${path}`, { method, headers: { 'content-type': 'application/json' }, body: method === 'GET' ? null : JSON.stringify(body) });
  const deliveries = async (providerPaymentId: string) => h.simulator.provider.sender.deliveries({ paymentId: providerPaymentId });
  const statusOf = async (paymentId: string) => (await h.query<{ status: string }>('SELECT status FROM payments WHERE id = ?', [paymentId]))[0]?.status;
  const inboxOf = (paymentId: string) =>
    h.query<{ event_type: string; outcome: string; duplicate_deliveries: number }>(
      'SELECT event_type, outcome, duplicate_deliveries FROM webhook_inbox WHERE payment_id = ? ORDER BY received_at',
      [paymentId],
    );
  const newPayment = async () => {
    const order = await h.orderCreated();
    return { order, payment: await h.openPayment(order.order_id, order.user_id) };
  };

  t.test('opening a payment returns what the client needs to pay, once per order', async (t) => {
    const { order, payment } = await newPayment();
    t.match(payment.provider, { payment_id: /^pay_/, redirect_url: /\/checkout\/pay_/ });
    t.equal(payment.amount_minor, 4999);
    const again = await h.app.inject({
      method: 'POST',
      url: `/v1/orders/${order.order_id}/payments`,
      headers: { authorization: `Bearer ${h.token(order.user_id)}` },
    });
    t.equal(again.statusCode, 200, 'the open payment is resumed, not duplicated');
    t.equal(again.json().payment_id, payment.payment_id);
    const stranger = await h.app.inject({
      method: 'POST',
      url: `/v1/orders/${order.order_id}/payments`,
      headers: { authorization: `Bearer ${h.token('someone-else')}` },
    });
    t.equal(stranger.statusCode, 404);
    t.equal(stranger.json().error.code, 'NOT_FOUND');
  });

  t.test("database down while the webhook arrives: non-2xx, and the simulator's retry later succeeds", async (t) => {
    const { payment } = await newPayment();
    proxy.cut();
    t.equal((await sim(`/v1/payments/${payment.provider.payment_id}/complete`)).status, 200);
    const refused = await waitFor(
      async () => {
        const answered = (await deliveries(payment.provider.payment_id))[0]?.attempts.filter((attempt) => attempt.status !== null || attempt.error !== null);
        return answered && answered.length >= 2 ? answered : undefined;
      },
      { what: 'two refused attempts' },
    );
    t.ok(
      refused.every((attempt) => attempt.status === 503),
      `every attempt while down got a 503: ${JSON.stringify(refused)}`,
    );
    proxy.restore();
    await waitFor(async () => (await deliveries(payment.provider.payment_id))[0]?.state === 'delivered', { what: 'delivery after restore' });
    t.equal(await statusOf(payment.payment_id), 'COMPLETED');
    const [delivery] = await deliveries(payment.provider.payment_id);
    const times = delivery!.attempts.map((attempt) => Date.parse(attempt.at));
    const gaps = times.slice(1).map((time, i) => time - times[i]!);
    t.ok(
      gaps.every((gap, i) => i === 0 || gap >= (gaps[i - 1] ?? 0) - 15 || gap >= 300),
      `pauses grow (backoff): ${gaps.join(', ')}`,
    );
  });

  t.test('duplicate: three deliveries of one event, applied once', async (t) => {
    const { order, payment } = await newPayment();
    await sim(`/v1/payments/${payment.provider.payment_id}/complete`, { faults: ['duplicate'] });
    await waitFor(async () => (await deliveries(payment.provider.payment_id)).filter((d) => d.state === 'delivered').length === 3, {
      what: 'three deliveries',
    });
    const inbox = await inboxOf(payment.payment_id);
    t.equal(inbox.length, 1);
    t.equal(Number(inbox[0]?.duplicate_deliveries), 2);
    const outbox = await h.query('SELECT event_type FROM outbox WHERE partition_key = ?', [order.order_id]);
    t.equal(outbox.length, 1);
  });

  t.test('bad_signature: the badly signed attempt is refused with nothing stored, the retry applies', async (t) => {
    const { payment } = await newPayment();
    await sim(`/v1/payments/${payment.provider.payment_id}/complete`, { faults: ['bad_signature'] });
    await waitFor(async () => (await deliveries(payment.provider.payment_id))[0]?.state === 'delivered', { what: 'delivery' });
    const [delivery] = await deliveries(payment.provider.payment_id);
    t.match(delivery!.attempts, [
      { signature: 'bad', status: 400 },
      { signature: 'valid', status: 200 },
    ]);
    t.equal(await statusOf(payment.payment_id), 'COMPLETED');
  });

  t.test('reorder: a stale failure arriving after the success is refused and recorded', async (t) => {
    const { payment } = await newPayment();
    await sim(`/v1/payments/${payment.provider.payment_id}/complete`, { faults: ['reorder'] });
    await waitFor(async () => (await inboxOf(payment.payment_id)).length === 2, { what: 'both events stored' });
    t.same(
      (await inboxOf(payment.payment_id)).map((row) => [row.event_type, row.outcome]),
      [
        ['payment.succeeded', 'APPLIED'],
        ['payment.failed', 'REFUSED_ILLEGAL_TRANSITION'],
      ],
    );
    t.equal(await statusOf(payment.payment_id), 'COMPLETED');
  });

  t.test('delay, drop and fail', async (t) => {
    const delayed = await newPayment();
    const started = Date.now();
    await sim(`/v1/payments/${delayed.payment.provider.payment_id}/complete`, { faults: ['delay'], delay_ms: 300 });
    await waitFor(async () => (await statusOf(delayed.payment.payment_id)) === 'COMPLETED', { what: 'delayed completion' });
    t.ok(Date.now() - started >= 300, 'not before the delay');

    const dropped = await newPayment();
    await sim(`/v1/payments/${dropped.payment.provider.payment_id}/complete`, { faults: ['drop'] });
    t.match(await deliveries(dropped.payment.provider.payment_id), [{ state: 'dropped', attempts: [] }]);
    t.equal(await statusOf(dropped.payment.payment_id), 'PENDING', 'only reconciliation with the provider can find it');
    const atProvider = (await (await sim(`/v1/payments/${dropped.payment.provider.payment_id}`, undefined, 'GET')).json()) as { status: string };
    t.equal(atProvider.status, 'succeeded');

    const declined = await newPayment();
    await sim(`/v1/payments/${declined.payment.provider.payment_id}/complete`, { faults: ['fail'] });
    await waitFor(async () => (await statusOf(declined.payment.payment_id)) === 'FAILED', { what: 'declined payment' });
    const outbox = await h.query<{ event_type: string }>('SELECT event_type FROM outbox WHERE partition_key = ?', [declined.order.order_id]);
    t.same(
      outbox.map((row) => row.event_type),
      ['payment.failed.v1'],
    );
  });

  t.test('global faults apply to every payment until reset', async (t) => {
    t.equal((await sim('/v1/admin/faults', { faults: ['duplicate'] }, 'PUT')).status, 200);
    t.teardown(() => sim('/v1/admin/faults', { faults: [] }, 'PUT'));
    const { payment } = await newPayment();
    await sim(`/v1/payments/${payment.provider.payment_id}/complete`);
    await waitFor(async () => (await deliveries(payment.provider.payment_id)).filter((d) => d.state === 'delivered').length === 3, {
      what: 'three deliveries',
    });
    t.equal(await statusOf(payment.payment_id), 'COMPLETED');
  });

  t.test('ops refund: provider, webhook, REFUNDED, payment.refunded.v1', async (t) => {
    const { order, payment } = await newPayment();
    await sim(`/v1/payments/${payment.provider.payment_id}/complete`);
    await waitFor(async () => (await statusOf(payment.payment_id)) === 'COMPLETED', { what: 'completion' });
    const url = `/v1/payments/${payment.payment_id}/refund`;
    const asShopper = await h.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${h.token(order.user_id)}` }, payload: { reason: 'x' } });
    t.equal(asShopper.statusCode, 403);
    const refund = await h.app.inject({
      method: 'POST',
      url,
      headers: { authorization: `Bearer ${h.token('ops-1', ['ops'])}` },
      payload: { reason: 'damaged in transit' },
    });
    t.equal(refund.statusCode, 202, refund.body);
    t.match(refund.json(), { initiated_by: 'ops', amount_minor: 4999, status: /^(SUBMITTED|SUCCEEDED)$/, provider_refund_id: /^re_/ });
    await waitFor(async () => (await statusOf(payment.payment_id)) === 'REFUNDED', { what: 'refund webhook' });
    const twice = await h.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${h.token('ops-1', ['ops'])}` }, payload: { reason: 'again' } });
    t.equal(twice.statusCode, 200, 'a second request returns the same refund');
    t.equal(twice.json().refund_id, refund.json().refund_id);
    const outbox = await h.query<{ event_type: string; envelope: string }>('SELECT event_type, envelope FROM outbox WHERE partition_key = ? ORDER BY id', [
      order.order_id,
    ]);
    t.same(
      outbox.map((row) => row.event_type),
      ['payment.completed.v1', 'payment.refunded.v1'],
    );
    t.match(JSON.parse(outbox[1]!.envelope).payload, { payment_id: payment.payment_id, reason: 'damaged in transit', amount_minor: 4999 });
    const view = await h.app.inject({
      method: 'GET',
      url: `/v1/payments/${payment.payment_id}`,
      headers: { authorization: `Bearer ${h.token('ops-1', ['ops'])}` },
    });
    const { history } = view.json<{ history: { accepted: boolean; to: string }[] }>();
    t.same(
      history.filter((row) => row.accepted).map((row) => row.to),
      ['PENDING', 'COMPLETED', 'COMPLETED', 'REFUNDED'],
    );
  });
});
