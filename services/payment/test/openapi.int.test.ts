import { openApiProblems } from '@flash-sale/testkit';
import t from 'tap';
import { createPaymentHarness } from './support/payment-harness.ts';

t.test('the payment service publishes a valid OpenAPI document in which every route declares its answers', async (t) => {
  const h = await createPaymentHarness(t.teardown.bind(t));
  const response = await h.app.inject({ method: 'GET', url: '/docs/json' });
  t.equal(response.statusCode, 200);
  const document = response.json();
  t.same(await openApiProblems(document), []);
  t.same(
    Object.keys(document.paths)
      .filter((path) => path.startsWith('/v1/'))
      .sort(),
    [
      '/v1/internal/order-payments',
      '/v1/internal/orders/{orderId}/payment',
      '/v1/orders/{id}/payments',
      '/v1/payments/{id}',
      '/v1/payments/{id}/refund',
      '/v1/webhooks/provider',
    ],
  );
  const webhook = document.paths['/v1/webhooks/provider'].post as { security?: unknown; parameters: { in: string; name: string }[] };
  t.notOk(webhook.security, 'the webhook is authenticated by its signature, not a bearer token');
  t.ok(webhook.parameters.some((parameter) => parameter.in === 'header' && parameter.name === 'provider-signature'));
  t.ok(document.paths['/v1/payments/{id}/refund'].post.responses['409'], 'a refusal named with its reason');
  t.ok((await h.app.inject({ method: 'GET', url: '/docs' })).statusCode < 400, 'UI served');
});
