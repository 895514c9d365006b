import { openApiProblems } from '@flash-sale/testkit';
import type { TopicAdmin } from '@flash-sale/events';
import t from 'tap';
import { buildApp } from '../src/app.ts';
import { createFixture } from './support/reconciler-fixture.ts';

t.test('the reconciler publishes a valid OpenAPI document in which every route declares its answers', async (t) => {
  const f = await createFixture(t.teardown.bind(t));
  const app = await buildApp({ jobs: f.deps, kafkaAdmin: {} as TopicAdmin, jwtSecret: 'test-secret-at-least-16-chars', queues: [] });
  t.teardown(() => app.close());
  const response = await app.inject({ method: 'GET', url: '/docs/json' });
  t.equal(response.statusCode, 200);
  const document = response.json();
  t.same(await openApiProblems(document), []);
  t.same(Object.keys(document.paths).sort(), ['/v1/ops/orders/{id}/trace', '/v1/ops/reconciliation/runs', '/v1/ops/reconciliation/{job}']);
  t.ok((await app.inject({ method: 'GET', url: '/docs' })).statusCode < 400, 'UI served');
});
