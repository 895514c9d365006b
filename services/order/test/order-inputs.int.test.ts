import { createLogger } from '@flash-sale/service-kit';
import { randomUUID } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { matchingKeys } from '@flash-sale/testkit';
import t from 'tap';
import { orderHarness, placeOrderRequest } from './support/order-harness.ts';

/** A logger whose lines the test can read back, parsed. */
function capturedLogger() {
  const stream = new PassThrough();
  const lines: string[] = [];
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    lines.push(...parts.filter(Boolean));
  });
  return { logger: createLogger({ service: 'order', level: 'info' }, stream), lines };
}

t.test('a cancel reason of 195 characters (the schema allows 200) cancels the order and is kept whole in its history', async (t) => {
  const h = await orderHarness(t);
  const saleId = await h.armSale();
  const owner = h.token({ userId: 'owner' });
  const orderId: string = (await h.app.inject(placeOrderRequest(owner, randomUUID(), { sale_id: saleId, quantity: 1 }))).json().id;
  const reason = 'r'.repeat(195);
  const cancelled = await h.app.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/cancel`,
    headers: { authorization: `Bearer ${owner}` },
    payload: { reason },
  });
  t.equal(cancelled.statusCode, 202, cancelled.body);
  const history = (await h.app.inject({ method: 'GET', url: `/v1/orders/${orderId}`, headers: { authorization: `Bearer ${owner}` } })).json().history;
  t.match(history, [{ to: 'PENDING' }, { to: 'CANCELLED', cause: `cancelled by owner: ${reason}` }]);
  const tooLong = await h.app.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/cancel`,
    headers: { authorization: `Bearer ${owner}` },
    payload: { reason: 'r'.repeat(201) },
  });
  t.equal(tooLong.statusCode, 400);
  t.equal(tooLong.json().error.code, 'VALIDATION_FAILED');
});

t.test('a failed SQL statement is logged without its SQL text, its bound values or the server message', async (t) => {
  const { logger, lines } = capturedLogger();
  const h = await orderHarness(t, { logger });
  const saleId = await h.armSale();
  const owner = h.token({ userId: 'owner' });
  const orderId: string = (await h.app.inject(placeOrderRequest(owner, randomUUID(), { sale_id: saleId, quantity: 1 }))).json().id;
  // Force the history insert to fail on the server: the column is narrower than the cause.
  await h.db.pool.query('ALTER TABLE order_status_history MODIFY cause VARCHAR(16) NOT NULL');
  const secret = `shopper-secret-${randomUUID()}`;
  const failed = await h.app.inject({
    method: 'POST',
    url: `/v1/orders/${orderId}/cancel`,
    headers: { authorization: `Bearer ${owner}` },
    payload: { reason: secret },
  });
  t.equal(failed.statusCode, 500);
  t.notMatch(failed.body, /order_status_history|shopper-secret/);

  const errorLines = lines.filter((line) => line.includes('"err"'));
  t.ok(errorLines.length >= 1, 'the failure was logged');
  for (const line of errorLines) {
    t.notMatch(line, /shopper-secret/, 'no bound value in the log');
    t.notMatch(line, /INSERT INTO/i, 'no SQL text in the log');
    const err = (JSON.parse(line) as { err: Record<string, unknown> }).err;
    t.equal(err.code, 'ER_DATA_TOO_LONG', 'the log still says what went wrong');
    for (const field of ['sql', 'sqlMessage']) t.ok(!(field in err) || err[field] === '[redacted]', `${field} redacted`);
  }
});

t.test('the server message of a duplicate key keeps the key name but not the value', async (t) => {
  const { logger, lines } = capturedLogger();
  const h = await orderHarness(t, { logger });
  const secret = `secret-${randomUUID()}`;
  const error = await h.db.pool
    .query(
      'INSERT INTO idempotency_keys (tenant_id, user_id, idem_key, request_hash, order_id, response_status, response_body, created_at, expires_at) VALUES (?, ?, ?, ?, ?, 201, ?, NOW(6), NOW(6)), (?, ?, ?, ?, ?, 201, ?, NOW(6), NOW(6))',
      ['t1', 'u1', secret, 'h', randomUUID(), '{}', 't1', 'u1', secret, 'h', randomUUID(), '{}'],
    )
    .then(
      () => null,
      (caught: unknown) => caught,
    );
  t.ok(error, 'the duplicate was refused');
  logger.error({ err: error }, 'write failed');
  logger.warn({ job: { err: error } }, 'nested');
  logger.flush();
  await new Promise((resolve) => setImmediate(resolve));
  t.equal(lines.length, 2);
  for (const line of lines) {
    t.notMatch(line, new RegExp(secret), 'no value anywhere in the line');
    t.match(line, /ER_DUP_ENTRY/);
  }
});

t.test('ids that are not ids are refused with 400 VALIDATION_FAILED before anything runs', async (t) => {
  const h = await orderHarness(t);
  const token = h.token();
  const ops = h.token({ roles: ['ops'] });
  const badStrings = ['{x}', 'a}b', '{', 'has space', 'x'.repeat(500)];
  for (const sale_id of [...badStrings, 42, ['a'], null]) {
    const response = await h.app.inject(placeOrderRequest(token, randomUUID(), { sale_id, quantity: 1 }));
    t.equal(response.statusCode, 400, `sale_id ${JSON.stringify(sale_id).slice(0, 20)}`);
    t.equal(response.json().error.code, 'VALIDATION_FAILED');
  }
  for (const id of badStrings) {
    const path = encodeURIComponent(id);
    for (const [method, url, bearer] of [
      ['GET', `/v1/orders/${path}`, token],
      ['POST', `/v1/orders/${path}/cancel`, token],
      ['POST', `/v1/orders/${path}/ship`, ops],
    ] as const) {
      const response = await h.app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${bearer}` },
        ...(method === 'POST' && url.endsWith('cancel') ? { payload: {} } : {}),
      });
      t.equal(response.statusCode, 400, `${method} ${url.slice(0, 40)}`);
      t.equal(response.json().error.code, 'VALIDATION_FAILED');
    }
  }
  t.same(
    (await matchingKeys(h.redis, `${h.prefix}*`)).filter((key) => !key.includes('rate:')),
    [],
    'nothing but rate counters reached Redis',
  );
});

t.test('a token whose tenant or subject is not a plain id is refused with 401 before anything runs', async (t) => {
  const h = await orderHarness(t);
  const saleId = await h.armSale();
  for (const principal of [{ tenantId: '{t1}' }, { tenantId: 't 1' }, { tenantId: 'x'.repeat(65) }, { userId: 'a}b' }, { userId: 'a b' }]) {
    const response = await h.app.inject(placeOrderRequest(h.token(principal), randomUUID(), { sale_id: saleId, quantity: 1 }));
    t.equal(response.statusCode, 401, JSON.stringify(principal).slice(0, 40));
    t.equal(response.json().error.code, 'UNAUTHORIZED');
  }
  t.equal((await h.reservations.view(saleId))?.available, 100, 'no stock was held');
});
