// The ops console in a real browser: headless Chromium from Debian's packages, driven by
// puppeteer-core (no browser download), against the reconciler on a private port with test
// databases, a Redis key prefix and a topic of its own. Screenshots go to test-output/console/.
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { REDRIVE_HEADER, type TopicAdmin } from '@flash-sale/events';
import { signToken } from '@flash-sale/service-kit';
import { waitFor } from '@flash-sale/testkit';
import { createTestKafka } from '@flash-sale/events/testing';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { createFixture } from './support/reconciler-fixture.ts';

const repo = new URL('../../../', import.meta.url).pathname;
const screenshots = new URL('../test-output/console/', import.meta.url).pathname;
const secret = 'test-secret-at-least-16-chars';

const findChromium = () => execFileSync('bash', ['-c', 'command -v chromium || command -v chromium-browser || true'], { encoding: 'utf8' }).trim();

// Installing Debian's chromium on a fresh machine takes longer than a test file's usual budget.
if (!findChromium()) t.setTimeout(600_000);

/** Debian's chromium, installed the way the stack installs its servers (as root; named otherwise). */
function systemChromium(): string {
  if (!findChromium())
    execFileSync('bash', ['-c', `COMPONENT=chromium; source "${repo}infra/local/lib.sh"; apt_install chromium chromium`], { stdio: ['ignore', 2, 2] });
  const path = findChromium();
  if (!path) throw new Error('chromium is missing: apt-get install -y chromium');
  return path;
}

async function launch(teardown: (fn: () => Promise<void>) => void): Promise<Browser> {
  const browser = await puppeteer.launch({
    executablePath: systemChromium(),
    headless: true,
    // Root in a container has no user namespace for Chromium's sandbox; the page is our own.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--window-size=1400,1000'],
    defaultViewport: { width: 1400, height: 1000 },
  });
  teardown(() => browser.close());
  return browser;
}

/** Evaluates `expression` in the page; a string, since this file is compiled for Node, without the DOM's types. */
const inPage = async <T>(page: Page, expression: string): Promise<T> => (await page.evaluate(expression)) as T;
const text = (page: Page, selector: string) => inPage<string>(page, `document.querySelector(${JSON.stringify(selector)})?.textContent?.trim() ?? ''`);
const hidden = (page: Page, selector: string) => inPage<boolean>(page, `document.querySelector(${JSON.stringify(selector)}).hidden`);
const shot = (page: Page, name: string) => page.screenshot({ path: `${screenshots}${name}.png`, fullPage: true });

t.test(
  'an operator signs in, watches a sale whose books match the API, traces an order, runs a job and redrives a dead letter; a shopper sees nothing',
  async (t) => {
    mkdirSync(screenshots, { recursive: true });
    const f = await createFixture(t.teardown.bind(t));
    const testKafka = await createTestKafka(t.teardown.bind(t));
    const original = await testKafka.createTopic();
    const deadLetters = await testKafka.createTopic();

    // The books: a sale of 10, one order bought (committed), one still held.
    const sale = await f.seedSale({ stock: 10, tenantId: 't1' });
    const bought = await f.placeOrder(sale, { quantity: 2 });
    await f.commitStock(sale, bought);
    await f.placeOrder(sale, { quantity: 1 });

    // The webhook inbox: one event applied and delivered twice more, one refused with its reason.
    const paymentId = randomUUID();
    await f.payment.pool.query(
      "INSERT INTO payments (id, order_id, tenant_id, user_id, amount_minor, currency, status) VALUES (?, ?, 't1', 'u1', 2000, 'EUR', 'COMPLETED')",
      [paymentId, bought],
    );
    const inbox =
      "INSERT INTO webhook_inbox (provider_event_id, event_type, payment_id, raw_body, signed_at, received_at, processed_at, outcome, outcome_detail, duplicate_deliveries) VALUES (?, ?, ?, '{}', NOW(6), NOW(6), NOW(6), ?, ?, ?)";
    await f.payment.pool.query(inbox, ['evt-applied', 'payment.completed', paymentId, 'APPLIED', null, 2]);
    await f.payment.pool.query(inbox, ['evt-refused', 'payment.completed', paymentId, 'REFUSED_AMOUNT_MISMATCH', 'provider says 1999, the payment is 2000', 0]);

    // A dead-lettered order.created of tenant t1, as the inventory consumer writes one.
    const eventId = randomUUID();
    const envelope = { id: eventId, type: 'order.created.v1', metadata: { tenant_id: 't1', partition_key: bought }, payload: { order_id: bought } };
    const entry = {
      kind: 'dead-lettered',
      consumer: 'inventory',
      attempts: 5,
      error: { code: 'SALE_NOT_FOUND', message: 'no sale for the order line', details: {} },
      original: {
        topic: original,
        partition: 0,
        offset: '0',
        timestamp: String(Date.now()),
        key: Buffer.from(bought).toString('base64'),
        value: Buffer.from(JSON.stringify(envelope)).toString('base64'),
        headers: {},
      },
      event: { id: eventId, type: 'order.created.v1' },
      failed_at: new Date().toISOString(),
    };
    const producer = testKafka.kafka.publisher();
    await producer.connect();
    await producer.send({ topic: deadLetters, messages: [{ key: bought, value: JSON.stringify(entry) }] });
    await producer.disconnect();

    const app = await buildApp({
      jobs: { ...f.deps, kafka: testKafka.kafka, deadLetterTopics: [deadLetters] },
      kafkaAdmin: {} as TopicAdmin,
      jwtSecret: secret,
      queues: [],
    });
    t.teardown(() => app.close());
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const opsToken = signToken(app, { userId: 'ops-1', tenantId: 't1', roles: ['ops'] });
    const shopperToken = signToken(app, { userId: 'u-1', tenantId: 't1', roles: ['shopper'] });
    const browser = await launch(t.teardown.bind(t));

    await t.test('a shopper token gets 403 from every console API and the page shows it nothing', async (t) => {
      const shopper = { authorization: `Bearer ${shopperToken}` };
      for (const [method, url] of [
        ['GET', '/ops/api/jobs'],
        ['GET', '/ops/api/sales'],
        ['GET', `/ops/api/sales/${sale.saleId}`],
        ['GET', '/ops/api/dead-letters'],
        ['POST', '/ops/api/dead-letters/redrive'],
        ['GET', '/ops/api/webhook-inbox'],
        ['GET', `/v1/ops/orders/${bought}/trace`],
        ['POST', '/v1/ops/reconciliation/stock-drift'],
        ['GET', '/v1/ops/reconciliation/runs'],
      ] as const) {
        const response = await app.inject({ method, url, headers: shopper, ...(method === 'POST' ? { payload: {} } : {}) });
        t.equal(response.statusCode, 403, `${method} ${url}`);
        t.equal(response.json().error.code, 'FORBIDDEN');
      }
      t.equal((await app.inject({ method: 'GET', url: '/ops/api/sales' })).statusCode, 401, 'no token: 401');
      t.equal(
        (await app.inject({ method: 'POST', url: '/ops/api/dev-sign-in', payload: { tenant: 't1', role: 'ops' } })).statusCode,
        404,
        'no sign-in form without the committed local secret',
      );

      const page = await browser.newPage();
      await page.goto(`${base}/ops`);
      t.ok(await hidden(page, '#console'), 'the console is hidden before sign-in');
      await page.type('#token', shopperToken);
      await page.click('#token-form button[type=submit]');
      await page.waitForFunction("(document.querySelector('#sign-in-error')?.textContent ?? '').length > 0");
      t.match(await text(page, '#sign-in-error'), /does not carry the ops or platform-ops role/);
      t.ok(await hidden(page, '#console'), 'still hidden after a shopper signs in');
      t.equal(await inPage<number>(page, "document.querySelectorAll('[data-sale-row]').length"), 0, 'no sale shown');
      await shot(page, '01-shopper-refused');
      await page.close();
    });

    const page = await browser.newPage();
    await page.goto(`${base}/ops`);
    await page.type('#token', opsToken);
    await page.click('#token-form button[type=submit]');
    await page.waitForSelector(`[data-sale-row="${sale.saleId}"]`);

    await t.test('an open sale shows the same books as the API, and refreshes on its own', async (t) => {
      t.match(await text(page, '#who'), /ops-1 · tenant t1 · ops/);
      await page.click(`button[data-open-sale="${sale.saleId}"]`);
      await page.waitForSelector('#detail-sale-id');
      const api = (await app.inject({ method: 'GET', url: `/ops/api/sales/${sale.saleId}`, headers: { authorization: `Bearer ${opsToken}` } })).json();
      t.match(api, {
        redis: { armed_stock: 10, available: 7, held: 1, sold: 2 },
        sale_stock: 10,
        mysql: { sku_stock: 8 },
        audit: { decrease: { quantity: 2 } },
        reservations: { committed: { quantity: 2 } },
        redis_balanced: true,
      });
      const shown = await inPage<Record<string, string>>(
        page,
        "Object.fromEntries([...document.querySelectorAll('[data-field]')].map((cell) => [cell.dataset.field, cell.textContent]))",
      );
      const expected: Record<string, unknown> = {
        'redis.armed_stock': api.redis.armed_stock,
        'redis.available': api.redis.available,
        'redis.held': api.redis.held,
        'redis.sold': api.redis.sold,
        sale_stock: api.sale_stock,
        'mysql.sale_allocated': api.mysql.sale_allocated,
        'mysql.sku_stock': api.mysql.sku_stock,
        'mysql.sku_initial_stock': api.mysql.sku_initial_stock,
        'audit.decrease.quantity': api.audit.decrease.quantity,
        'audit.release.quantity': api.audit.release.quantity,
        'reservations.committed.quantity': api.reservations.committed.quantity,
      };
      for (const [field, value] of Object.entries(expected)) t.equal(shown[field], String(value), `${field} on the page is the API's`);
      await shot(page, '02-sale-books');

      // A new hold lands in Redis; the open page shows it without anyone reloading.
      await f.placeOrder(sale, { quantity: 3 });
      await page.waitForFunction(`document.querySelector('[data-field="redis.held"]')?.textContent === '4'`, { timeout: 10_000 });
      t.equal(await text(page, '[data-field="redis.available"]'), '4', 'available follows');
    });

    await t.test("an order's trace shows its status and timeline", async (t) => {
      await page.click('#tabs button[data-tab="trace"]');
      await page.type('#trace-order-id', bought);
      await page.click('#trace-form button[type=submit]');
      await page.waitForSelector('#trace-timeline tbody tr');
      t.equal(await text(page, '#trace-status'), 'PENDING');
      const timeline = await inPage<string[]>(page, "[...document.querySelectorAll('#trace-timeline tbody tr')].map((row) => row.textContent)");
      t.ok(
        timeline.some((row) => row.includes('order placed')),
        'the order row',
      );
      t.ok(
        timeline.some((row) => row.includes('decrease 2')),
        'the audit row',
      );
      t.ok(
        timeline.some((row) => row.includes('payment.completed: REFUSED_AMOUNT_MISMATCH')),
        'the refused webhook',
      );
      await shot(page, '03-order-trace');
    });

    await t.test('run now runs the job, and its evidence is listed', async (t) => {
      await page.click('#tabs button[data-tab="runs"]');
      await page.waitForSelector('button[data-run-job="stock-drift"]');
      await page.click('button[data-run-job="stock-drift"]');
      await page.waitForFunction(`/run #\\d+ completed/.test(document.querySelector('[data-job-result="stock-drift"]')?.textContent ?? '')`, {
        timeout: 20_000,
      });
      const [run] = await f.runs('stock-drift');
      t.ok(run, 'a run row in reconciliation_runs');
      t.equal(run?.triggered_by, 'http');
      await page.waitForSelector(`#runs-table [data-run-id="${String(run?.id)}"]`);
      t.match(await text(page, `#runs-table [data-run-id="${String(run?.id)}"]`), /stock-drift/);
      await shot(page, '04-reconciliation');
    });

    await t.test('a dead letter is listed with its error and redriven to its original topic', async (t) => {
      await page.click('#tabs button[data-tab="dead-letters"]');
      await page.waitForSelector(`[data-dead-letter="${deadLetters}|0"]`, { timeout: 30_000 });
      t.match(await text(page, `[data-dead-letter="${deadLetters}|0"]`), /SALE_NOT_FOUND no sale for the order line/);
      await shot(page, '05-dead-letters');

      const consumer = testKafka.kafka.reader({ groupId: testKafka.groupId() });
      t.teardown(() => consumer.disconnect());
      await consumer.connect();
      await consumer.subscribe({ topics: [original], fromBeginning: true });
      const arrived: Array<{ value: string; from: string }> = [];
      void consumer.run({
        eachMessage: async ({ message }) =>
          void arrived.push({ value: message.value?.toString() ?? '', from: message.headers?.[REDRIVE_HEADER.fromTopic]?.toString() ?? '' }),
      });

      const redrive = `button[data-redrive="${deadLetters}|0|0"]`;
      await page.click(redrive);
      t.equal(await text(page, redrive), 'Confirm redrive', 'one click only asks');
      await page.click(redrive);
      await page.waitForSelector(`[data-redriven="${deadLetters}|0"]`, { timeout: 30_000 });
      t.equal(await text(page, `[data-redriven="${deadLetters}|0"]`), `redriven to ${original}`);
      const [copy] = await waitFor(() => (arrived.length > 0 ? arrived : undefined), { what: 'the redriven event on its original topic', timeoutMs: 30_000 });
      t.equal(JSON.parse(copy?.value ?? '{}').id, eventId, 'the same event, same id');
      t.equal(copy?.from, deadLetters, 'tagged with where it came from');
      await shot(page, '06-redriven');
    });

    await t.test('the webhook inbox shows received, duplicate and refused events with the reason', async (t) => {
      await page.click('#tabs button[data-tab="webhooks"]');
      await page.waitForSelector('#inbox-table tbody tr');
      t.equal(await text(page, '[data-inbox="received"]'), 'received 2');
      t.equal(await text(page, '[data-inbox="duplicate"]'), 'duplicate 2', 'two redeliveries of the applied event');
      t.equal(await text(page, '[data-inbox="refused"]'), 'refused 1');
      t.match(await text(page, '#inbox-table'), /REFUSED_AMOUNT_MISMATCH.*provider says 1999, the payment is 2000/);
      await shot(page, '07-webhook-inbox');
    });

    await t.test('ops of another tenant see none of these books; platform-ops see them', async (t) => {
      const other = { authorization: `Bearer ${signToken(app, { userId: 'ops-2', tenantId: 't2', roles: ['ops'] })}` };
      t.same((await app.inject({ method: 'GET', url: '/ops/api/sales', headers: other })).json().sales, []);
      t.equal((await app.inject({ method: 'GET', url: `/ops/api/sales/${sale.saleId}`, headers: other })).statusCode, 404);
      t.same((await app.inject({ method: 'GET', url: '/ops/api/webhook-inbox', headers: other })).json().entries, []);
      const listing = (await app.inject({ method: 'GET', url: '/ops/api/dead-letters', headers: other })).json();
      t.same(listing.topics[0].entries, []);
      t.equal(listing.withheld, 1);
      const redrive = await app.inject({
        method: 'POST',
        url: '/ops/api/dead-letters/redrive',
        headers: other,
        payload: { topic: deadLetters, partition: 0, offset: '0' },
      });
      t.equal(redrive.statusCode, 404, "another tenant's dead letter cannot be redriven");
      const platform = { authorization: `Bearer ${signToken(app, { userId: 'platform-1', tenantId: 't2', roles: ['platform-ops'] })}` };
      t.ok(
        (await app.inject({ method: 'GET', url: '/ops/api/sales', headers: platform }))
          .json<{ sales: Array<{ sale_id: string }> }>()
          .sales.some((books) => books.sale_id === sale.saleId),
        "platform-ops see every tenant's sales",
      );
      t.equal((await app.inject({ method: 'GET', url: '/ops/api/webhook-inbox', headers: platform })).json().summary.received, 2);
    });
    await page.close();
  },
);

t.test('with the committed local secret a development sign-in hands out an ops token the console accepts', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const app = await buildApp({ jobs: f.deps, kafkaAdmin: {} as TopicAdmin, jwtSecret: 'local-only-jwt-secret-change-me', queues: [] });
  t.teardown(() => app.close());
  const page = await app.inject({ method: 'GET', url: '/ops' });
  t.equal(page.statusCode, 200);
  t.match(page.body, 'data-dev-sign-in="true"');
  t.match(page.headers['content-security-policy'], "script-src 'self'");
  t.equal((await app.inject({ method: 'POST', url: '/ops/api/dev-sign-in', payload: { tenant: 't1', role: 'shopper' } })).statusCode, 400, 'ops roles only');
  const signIn = await app.inject({ method: 'POST', url: '/ops/api/dev-sign-in', payload: { tenant: 't1', role: 'ops' } });
  t.equal(signIn.statusCode, 200);
  const jobs = await app.inject({ method: 'GET', url: '/ops/api/jobs', headers: { authorization: `Bearer ${signIn.json().token}` } });
  t.equal(jobs.statusCode, 200);
  t.ok(jobs.json<{ jobs: Array<{ name: string }> }>().jobs.some((job) => job.name === 'stock-drift'));
  const script = await app.inject({ method: 'GET', url: '/ops/console.js' });
  t.equal(script.statusCode, 200);
  t.match(script.headers['content-type'], 'text/javascript');
  t.notMatch(script.body, /https?:\/\/(?!127\.0\.0\.1)/, 'the bundle loads nothing from elsewhere');
});
