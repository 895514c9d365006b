// The few lines `npm start` prints once every service is ready, in place of a wall of logs.
import t from 'tap';
import { formatBanner } from '../start-banner.ts';

t.test('the banner gives each service its address, and names docs, the ops console and bull-board only where the service answered for them', async (t) => {
  const lines = formatBanner([
    { name: 'order', base: 'http://127.0.0.1:3001', what: 'orders', pages: [{ path: '/docs', label: 'OpenAPI' }] },
    { name: 'inventory', base: 'http://127.0.0.1:3003', what: 'SKUs, sales, stock', pages: [] },
    { name: 'reconciler', base: 'http://127.0.0.1:3004', what: 'repair jobs', pages: [{ path: '/ops/queues', label: 'bull-board (platform-ops)' }] },
  ]);
  t.ok(lines.length <= 8, 'a few lines');
  t.match(lines.find((line) => line.includes('order ')), /http:\/\/127\.0\.0\.1:3001 .*OpenAPI http:\/\/127\.0\.0\.1:3001\/docs/);
  t.notMatch(lines.find((line) => line.includes('inventory')), /OpenAPI|docs/, 'no page it did not answer for');
  t.match(lines.find((line) => line.includes('reconciler')), /bull-board \(platform-ops\) http:\/\/127\.0\.0\.1:3004\/ops\/queues/);
  t.notMatch(lines.join('\n'), /ops console/, 'the ops console only once it answers');
  t.match(lines.join('\n'), /GET \/metrics/);
});
