import { openApiProblems } from '@flash-sale/testkit';
import t from 'tap';
import { orderHarness } from './support/order-harness.ts';

t.test('the order service publishes a valid OpenAPI document in which every route declares its answers', async (t) => {
  const { app } = await orderHarness(t);
  const response = await app.inject({ method: 'GET', url: '/docs/json' });
  t.equal(response.statusCode, 200);
  const document = response.json();
  t.same(await openApiProblems(document), []);
  t.ok(document.paths['/v1/orders']?.post, 'POST /v1/orders documented');
  t.ok(document.paths['/v1/internal/orders/{id}']?.get, 'the service read documented');
});
