import { randomUUID } from 'node:crypto';
import t from 'tap';
import { createPaymentHarness } from './support/payment-harness.ts';

t.test("a shopper reads their payment without operators' names or provider text; ops read it in full", async (t) => {
  const h = await createPaymentHarness(t.teardown.bind(t));
  const paid = await h.orderCreated({ userId: 'alice' });
  const payment = await h.openPayment(paid.order_id, 'alice');
  await h.query("UPDATE payments SET status = 'COMPLETED', transaction_id = ? WHERE id = ?", [`tx_${randomUUID()}`, payment.payment_id]);
  const refund = await h.app.inject({
    method: 'POST',
    url: `/v1/payments/${payment.payment_id}/refund`,
    headers: { authorization: `Bearer ${h.token('ops-olga', ['ops'])}` },
    payload: { reason: 'goodwill after ticket 4711' },
  });
  t.ok([200, 202].includes(refund.statusCode), refund.body);
  await h.query("UPDATE refunds SET last_error = 'gw-eu-3: upstream 10.0.0.7 refused (rule 17)' WHERE payment_id = ?", [payment.payment_id]);

  const failedOrder = await h.orderCreated({ userId: 'alice' });
  const failed = await h.openPayment(failedOrder.order_id, 'alice');
  await h.query("UPDATE payments SET status = 'FAILED', failure_reason = 'card 4111-XXXX blocked by risk rule 17 at gw-eu-3' WHERE id = ?", [
    failed.payment_id,
  ]);

  const asShopper = await h.app.inject({ method: 'GET', url: `/v1/payments/${payment.payment_id}`, headers: { authorization: `Bearer ${h.token('alice')}` } });
  t.equal(asShopper.statusCode, 200);
  t.notMatch(asShopper.body, /ops-olga|ticket 4711|gw-eu-3|requested_by|initiated_by|last_error|transaction_id/);
  t.match(asShopper.json(), {
    payment_id: payment.payment_id,
    order_id: paid.order_id,
    status: 'COMPLETED',
    amount_minor: 4999,
    currency: 'EUR',
    created_at: /\d/,
    updated_at: /\d/,
    refund: { status: /\w/, amount_minor: 4999, currency: 'EUR' },
  });
  t.same(Object.keys(asShopper.json().refund).sort(), ['amount_minor', 'currency', 'refund_id', 'status']);
  for (const step of asShopper.json().history as Array<Record<string, unknown>>) t.same(Object.keys(step).sort(), ['at', 'from', 'to']);

  const failedAsShopper = await h.app.inject({
    method: 'GET',
    url: `/v1/payments/${failed.payment_id}`,
    headers: { authorization: `Bearer ${h.token('alice')}` },
  });
  t.equal(failedAsShopper.json().status, 'FAILED');
  t.equal(failedAsShopper.json().failure_reason, 'PAYMENT_FAILED', "a generic code, not the provider's words");
  t.notMatch(failedAsShopper.body, /4111|risk rule|gw-eu-3/);

  const ops = h.token('ops-olga', ['ops']);
  const asOps = await h.app.inject({ method: 'GET', url: `/v1/payments/${payment.payment_id}`, headers: { authorization: `Bearer ${ops}` } });
  t.equal(asOps.statusCode, 200);
  t.match(asOps.json(), {
    transaction_id: /^tx_/,
    refund: { requested_by: 'ops-olga', reason: 'goodwill after ticket 4711', initiated_by: 'ops', last_error: /gw-eu-3/ },
  });
  t.match(asOps.body, /"requested_by":"ops-olga"/);
  const failedAsOps = await h.app.inject({ method: 'GET', url: `/v1/payments/${failed.payment_id}`, headers: { authorization: `Bearer ${ops}` } });
  t.match(failedAsOps.json().failure_reason, /risk rule 17/);
});

t.test('ids that are not uuids are refused with 400 VALIDATION_FAILED on every payment route; wrong types in bodies too', async (t) => {
  const h = await createPaymentHarness(t.teardown.bind(t));
  const shopper = { authorization: `Bearer ${h.token('alice')}` };
  const ops = { authorization: `Bearer ${h.token('ops-olga', ['ops'])}` };
  for (const bad of ['{x}', 'a}b', '{', 'has space', 'x'.repeat(500), 'not-a-uuid']) {
    const id = encodeURIComponent(bad);
    for (const [method, url, headers] of [
      ['POST', `/v1/orders/${id}/payments`, shopper],
      ['GET', `/v1/payments/${id}`, shopper],
      ['POST', `/v1/payments/${id}/refund`, ops],
    ] as const) {
      const response = await h.app.inject({ method, url, headers, ...(url.endsWith('refund') ? { payload: { reason: 'r' } } : {}) });
      t.equal(response.statusCode, 400, `${method} ${url.slice(0, 40)}`);
      t.equal(response.json().error.code, 'VALIDATION_FAILED');
    }
  }
  for (const reason of [42, ['a'], { text: 'a' }]) {
    const response = await h.app.inject({ method: 'POST', url: `/v1/payments/${randomUUID()}/refund`, headers: ops, payload: { reason } });
    t.equal(response.statusCode, 400, `reason ${JSON.stringify(reason)}`);
    t.equal(response.json().error.code, 'VALIDATION_FAILED');
  }
  t.equal((await h.query('SELECT 1 FROM payments')).length, 0, 'nothing was written');
});
