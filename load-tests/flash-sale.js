// A flash-sale stampede under an open model: shoppers arrive at a constant rate whatever the
// latency (constant-arrival-rate), each a new user with a freshly signed HS256 token, each placing
// one order with its own Idempotency-Key. A share of shoppers retry with the same key, as a client
// does after a timeout, and must get the first answer back. Run through `load-tests/run.sh`, which
// creates and arms the sale and checks the invariants afterwards.
//
// Env: ORDER_URL, SALE_ID, JWT_SECRET (required); JWT_ISSUER, JWT_AUDIENCE (when the services check them); TENANT, RATE (per second), DURATION, PRE_VUS,
// MAX_VUS, RETRY_SHARE (0..1), P95_MS, MAX_DROPPED, RUN_ID, SUMMARY_FILE.
import crypto from 'k6/crypto';
import encoding from 'k6/encoding';
import exec from 'k6/execution';
import { required, shopperToken as signShopperToken } from './k6-common.js';
import http from 'k6/http';
import { check } from 'k6';
import { Counter, Rate } from 'k6/metrics';

const ORDER_URL = __ENV.ORDER_URL || 'http://127.0.0.1:3001';
const SALE_ID = required('SALE_ID');
const JWT_SECRET = required('JWT_SECRET');
const TENANT = __ENV.TENANT || 't1';
const RATE = Number(__ENV.RATE || 200);
const DURATION = __ENV.DURATION || '20s';
const RETRY_SHARE = Number(__ENV.RETRY_SHARE || 0.1);
const P95_MS = Number(__ENV.P95_MS || 500);
const RUN_ID = __ENV.RUN_ID || `${Date.now().toString(36)}`;

export const options = {
  discardResponseBodies: false,
  scenarios: {
    shoppers: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: '1s',
      duration: DURATION,
      preAllocatedVUs: Number(__ENV.PRE_VUS || Math.max(20, Math.ceil(RATE / 4))),
      maxVUs: Number(__ENV.MAX_VUS || Math.max(100, RATE * 2)),
    },
  },
  thresholds: {
    'http_req_duration{name:place_order}': [`p(95)<${P95_MS}`],
    // Anything but an order or a sold-out refusal: other 4xx, 5xx, timeouts.
    unexpected_responses: ['rate<0.01'],
    idempotent_replays_ok: ['rate==1'],
    // Always reported in the summary; a bound only when asked for, since on a laptop the load
    // generator shares the cores with the system under test.
    ...(__ENV.MAX_DROPPED ? { dropped_iterations: [`count<=${Number(__ENV.MAX_DROPPED)}`] } : {}),
  },
  summaryTrendStats: ['avg', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
};

// 201 and 409 are answers, not transport failures; which 409 it was is judged below.
http.setResponseCallback(http.expectedStatuses(201, 409));

const accepted = new Counter('orders_accepted');
const soldOut = new Counter('orders_sold_out');
const unexpected = new Rate('unexpected_responses');
const replaysOk = new Rate('idempotent_replays_ok');

const shopperToken = (sub) => signShopperToken(JWT_SECRET, TENANT, sub);

const errorCode = (response) => {
  try {
    return response.json('error.code');
  } catch {
    return undefined;
  }
};

export default function shopper() {
  const n = exec.scenario.iterationInTest;
  const userId = `load-${RUN_ID}-${n}`;
  const params = {
    headers: {
      authorization: `Bearer ${shopperToken(userId)}`,
      'content-type': 'application/json',
      'idempotency-key': `${RUN_ID}-${n}-${encoding.b64encode(crypto.randomBytes(12), 'rawurl')}`,
    },
    tags: { name: 'place_order' },
  };
  const body = JSON.stringify({ sale_id: SALE_ID, quantity: 1 });
  const response = http.post(`${ORDER_URL}/v1/orders`, body, params);
  const code = response.status === 409 ? errorCode(response) : undefined;
  const isOrder = response.status === 201;
  const isSoldOut = response.status === 409 && code === 'SALE_SOLD_OUT';
  if (isOrder) accepted.add(1);
  if (isSoldOut) soldOut.add(1);
  unexpected.add(!isOrder && !isSoldOut, { status: String(response.status), code: String(code) });
  check(response, { 'an order or a sold-out refusal': () => isOrder || isSoldOut });

  // A client retrying an accepted order with the same key must get the same order back.
  if (isOrder && Math.random() < RETRY_SHARE) {
    const retry = http.post(`${ORDER_URL}/v1/orders`, body, { ...params, tags: { name: 'retry_order' } });
    const same = retry.status === 201 && retry.json('id') === response.json('id') && retry.headers['Idempotent-Replayed'] === 'true';
    replaysOk.add(same);
    check(retry, { 'a retry replays the first order': () => same });
  }
}

const metric = (data, name, stat) => data.metrics[name]?.values?.[stat];
const ms = (value) => (value === undefined ? 'n/a' : `${value.toFixed(1)} ms`);

export function handleSummary(data) {
  const iterations = metric(data, 'iterations', 'count') ?? 0;
  const durationS = data.state.testRunDurationMs / 1000;
  const failed = Object.entries(data.metrics)
    .filter(([, m]) => m.thresholds && Object.values(m.thresholds).some((t) => !t.ok))
    .map(([name]) => name);
  const lines = [
    '',
    `flash-sale load run: sale ${SALE_ID}, ${RATE}/s for ${DURATION} (run id ${RUN_ID})`,
    `  shoppers arrived    ${iterations} in ${durationS.toFixed(1)} s (${(iterations / durationS).toFixed(1)}/s)`,
    `  dropped iterations  ${metric(data, 'dropped_iterations', 'count') ?? 0} (arrivals k6 had no free VU for; VUs allocated ${metric(data, 'vus_max', 'value') ?? 'n/a'})`,
    `  orders accepted     ${metric(data, 'orders_accepted', 'count') ?? 0}`,
    `  sold-out refusals   ${metric(data, 'orders_sold_out', 'count') ?? 0}`,
    `  unexpected answers  ${((metric(data, 'unexpected_responses', 'rate') ?? 0) * 100).toFixed(2)} % (${metric(data, 'unexpected_responses', 'passes') ?? 0})`,
    `  idempotent replays  ${metric(data, 'idempotent_replays_ok', 'passes') ?? 0} ok of ${(metric(data, 'idempotent_replays_ok', 'passes') ?? 0) + (metric(data, 'idempotent_replays_ok', 'fails') ?? 0)}`,
    `  POST /v1/orders     med ${ms(metric(data, 'http_req_duration{name:place_order}', 'med'))}, p95 ${ms(metric(data, 'http_req_duration{name:place_order}', 'p(95)'))}, p99 ${ms(metric(data, 'http_req_duration{name:place_order}', 'p(99)'))}, max ${ms(metric(data, 'http_req_duration{name:place_order}', 'max'))}`,
    `  thresholds          ${failed.length === 0 ? 'all passed' : `FAILED: ${failed.join(', ')}`}`,
    '',
  ];
  const outputs = { stdout: lines.join('\n') };
  if (__ENV.SUMMARY_FILE) outputs[__ENV.SUMMARY_FILE] = JSON.stringify(data, null, 2);
  return outputs;
}
