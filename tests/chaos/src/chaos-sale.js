// The sale a chaos run drives while its faults land: shoppers arrive at a constant rate, and each
// behaves like a careful client: on a 5xx, a 425/429, a 409 IDEMPOTENCY_REQUEST_IN_FLIGHT, a
// timeout or a refused connection it retries
// the SAME request with the SAME Idempotency-Key until it gets an answer or GIVE_UP_SECONDS pass.
// Every final answer is one console line of JSON (k6 --console-output), which the run reads back
// to prove that every 201 it was given is an order in MySQL. There are half as many users as
// arrivals, two in a row being one user, so the per-user limit is exercised too. A share of
// accepted orders is paid through the payment service and the provider simulator.
//
// With several order (or payment) instances, shoppers are spread over them and a retry goes to the
// next instance, as behind a load balancer that takes a failing instance out: the same
// Idempotency-Key then reaches another process. Each attempt to place an order is logged too (its
// time, status and duration), so the run can measure what a fault cost.
//
// Env: ORDER_URL, PAYMENT_URL, PROVIDER_URL, SALE_ID, JWT_SECRET (required); ORDER_URLS and
// PAYMENT_URLS (comma-separated, instead of ORDER_URL / PAYMENT_URL); TENANT, RATE, DURATION,
// PAY_SHARE, GIVE_UP_SECONDS, RUN_ID, MAX_VUS.
import exec from 'k6/execution';
import { required, shopperToken as signShopperToken } from '../../../load-tests/k6-common.js';
import http from 'k6/http';
import { sleep } from 'k6';
import { Counter } from 'k6/metrics';

const urls = (listName, name) => (__ENV[listName] ? __ENV[listName].split(',').filter(Boolean) : [required(name)]);
const ORDER_URLS = urls('ORDER_URLS', 'ORDER_URL');
const PAYMENT_URLS = urls('PAYMENT_URLS', 'PAYMENT_URL');
const PROVIDER_URL = required('PROVIDER_URL');
const SALE_ID = required('SALE_ID');
const JWT_SECRET = required('JWT_SECRET');
const TENANT = __ENV.TENANT || 't1';
const RATE = Number(__ENV.RATE || 20);
const DURATION = __ENV.DURATION || '120s';
const PAY_SHARE = Number(__ENV.PAY_SHARE || 0.3);
const GIVE_UP_SECONDS = Number(__ENV.GIVE_UP_SECONDS || 90);
const RUN_ID = __ENV.RUN_ID || `${Date.now().toString(36)}`;

export const options = {
  discardResponseBodies: false,
  scenarios: {
    shoppers: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: '1s',
      duration: DURATION,
      // A fault holds shoppers in their retry loops; arrivals go on meanwhile.
      preAllocatedVUs: Math.max(20, RATE * 2),
      maxVUs: Number(__ENV.MAX_VUS || Math.max(200, RATE * 25)),
      gracefulStop: `${GIVE_UP_SECONDS + 30}s`,
    },
  },
  summaryTrendStats: ['med', 'p(95)', 'max'],
};

// Every status is an answer the client judges itself; k6 must not count retries as failures.
http.setResponseCallback(http.expectedStatuses({ min: 200, max: 599 }));

// Same name as load-tests/flash-sale.js, so load-tests/check-invariants.ts can read the summary.
const accepted = new Counter('orders_accepted');
const retries = new Counter('retries');
const gaveUp = new Counter('gave_up');

const shopperToken = (sub) => signShopperToken(JWT_SECRET, TENANT, sub);

const bodyOf = (response) => {
  try {
    return response.json();
  } catch {
    return undefined;
  }
};

// 0 is k6's status for a refused connection or a timeout: the request may or may not have landed.
// A 409 IDEMPOTENCY_REQUEST_IN_FLIGHT says the first attempt with this key (one the client timed
// out on, or one a killed process left claimed) has not finished: the answer is still to come.
function worthRetrying(response) {
  const status = response.status;
  if (status === 0 || status >= 500 || status === 425 || status === 429) return true;
  if (status !== 409) return false;
  const body = bodyOf(response);
  return Boolean(body && body.error && body.error.code === 'IDEMPOTENCY_REQUEST_IN_FLIGHT');
}

/** Sends until the answer is final or the client gives up; returns the last response and attempts. */
function untilAnswered(send) {
  const started = Date.now();
  let attempts = 0;
  for (;;) {
    attempts += 1;
    const response = send(attempts);
    if (!worthRetrying(response)) return { response, attempts, final: true };
    if ((Date.now() - started) / 1000 >= GIVE_UP_SECONDS) return { response, attempts, final: false };
    retries.add(1);
    // Exponential back-off from 0.5 s to 4 s with jitter, or the server's Retry-After when longer.
    const retryAfter = Number(response.headers['Retry-After'] || 0);
    sleep(Math.max(retryAfter, Math.min(0.5 * 2 ** (attempts - 1), 4)) + Math.random() * 0.5);
  }
}

export default function shopper() {
  const n = exec.scenario.iterationInTest;
  // Two arrivals in a row are one user placing a second order with a new key (a double click, a
  // second tab): the per-user limit decides between them while both are in flight.
  const userId = `chaos-${RUN_ID}-${Math.floor(n / 2)}`;
  const token = shopperToken(userId);
  const key = `${RUN_ID}-${n}`;
  const params = {
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
    timeout: '5s',
    tags: { name: 'place_order' },
  };
  const placed = untilAnswered((attempt) => {
    const sentAt = Date.now();
    const response = http.post(`${ORDER_URLS[(n + attempt - 1) % ORDER_URLS.length]}/v1/orders`, JSON.stringify({ sale_id: SALE_ID, quantity: 1 }), params);
    console.log(JSON.stringify({ kind: 'attempt', at: sentAt, status: response.status, ms: Math.round(response.timings.duration) }));
    return response;
  });
  const body = bodyOf(placed.response) || {};
  const orderId = placed.response.status === 201 ? body.id : undefined;
  if (!placed.final) gaveUp.add(1);
  if (orderId) accepted.add(1);
  console.log(
    JSON.stringify({
      kind: 'order',
      key,
      user: userId,
      status: placed.response.status,
      final: placed.final,
      order_id: orderId,
      code: body.error ? body.error.code : undefined,
      attempts: placed.attempts,
    }),
  );

  if (!orderId || Math.random() >= PAY_SHARE) return;
  // The payment service may not have heard of the order yet (425), or be down: retried likewise.
  const auth = { headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, timeout: '5s', tags: { name: 'open_payment' } };
  const opened = untilAnswered((attempt) => http.post(`${PAYMENT_URLS[(n + attempt - 1) % PAYMENT_URLS.length]}/v1/orders/${orderId}/payments`, '{}', auth));
  const payment = bodyOf(opened.response) || {};
  const providerPaymentId = payment.provider ? payment.provider.payment_id : undefined;
  if (!(opened.response.status === 200 || opened.response.status === 201) || !providerPaymentId) {
    console.log(
      JSON.stringify({
        kind: 'payment',
        order_id: orderId,
        status: opened.response.status,
        final: opened.final,
        code: payment.error ? payment.error.code : undefined,
      }),
    );
    return;
  }
  const completed = untilAnswered(() =>
    http.post(`${PROVIDER_URL}/v1/payments/${providerPaymentId}/complete`, '{}', {
      headers: { 'content-type': 'application/json' },
      timeout: '5s',
      tags: { name: 'complete_payment' },
    }),
  );
  console.log(
    JSON.stringify({
      kind: 'payment',
      order_id: orderId,
      payment_id: payment.id,
      status: opened.response.status,
      completed_status: completed.response.status,
      final: completed.final,
    }),
  );
}

export function handleSummary(data) {
  const count = (name) => (data.metrics[name] && data.metrics[name].values.count) || 0;
  const outputs = {
    stdout: `k6: ${count('iterations')} shoppers, ${count('orders_accepted')} orders accepted, ${count('retries')} retries, ${count('gave_up')} gave up, ${count('dropped_iterations')} arrivals dropped\n`,
  };
  if (__ENV.SUMMARY_FILE) outputs[__ENV.SUMMARY_FILE] = JSON.stringify(data);
  return outputs;
}
