import { randomUUID } from 'node:crypto';
import { signToken } from '@flash-sale/service-kit';
import type { TopicAdmin } from '@flash-sale/events';
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { createFixture } from './support/reconciler-fixture.ts';

t.test('ids and job names that are not ids are refused with 400 VALIDATION_FAILED on the ops routes', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const app = await buildApp({ jobs: f.deps, kafkaAdmin: {} as TopicAdmin, jwtSecret: 'test-secret-at-least-16-chars', queues: [] });
  t.teardown(() => app.close());
  const ops = { authorization: `Bearer ${signToken(app, { userId: 'ops-1', tenantId: 't1', roles: ['ops'] })}` };
  for (const bad of ['{x}', 'a}b', '{', 'has space', 'x'.repeat(500)]) {
    const id = encodeURIComponent(bad);
    for (const [method, url] of [
      ['GET', `/v1/ops/orders/${id}/trace`],
      ['POST', `/v1/ops/reconciliation/${id}`],
      ['GET', `/v1/ops/reconciliation/runs?job=${id}`],
    ] as const) {
      const response = await app.inject({ method, url, headers: ops });
      t.equal(response.statusCode, 400, `${method} ${url.slice(0, 40)}`);
      t.equal(response.json().error.code, 'VALIDATION_FAILED');
    }
  }
  const unknown = await app.inject({ method: 'GET', url: `/v1/ops/orders/${randomUUID()}/trace`, headers: ops });
  t.equal(unknown.statusCode, 404, 'a well-formed id of no order is still a 404');
});
