// The principal a bearer token verified to is reused until the token expires, never after.
import { createSigner } from 'fast-jwt';
import t from 'tap';
import { authPlugin, createBaseApp, createLogger, createMetricsRegistry, principalOf, requireRole } from '../src/index.ts';

const secret = 'verified-cache-test-secret-0123456789';

t.test('a token answered from the verified cache is refused once it expires', async (t) => {
  const app = await createBaseApp({ logger: createLogger({ service: 'test', level: 'silent' }), metrics: createMetricsRegistry('test'), readiness: [] });
  await app.register(authPlugin, { secret });
  app.get('/me', { onRequest: requireRole('shopper') }, async (request) => ({ user: principalOf(request).userId }));
  await app.ready();
  t.teardown(() => app.close());
  const token = createSigner({ key: secret, algorithm: 'HS256', expiresIn: 4000 })({ sub: 'ann', tenant: 't1', roles: ['shopper'] });
  const call = () => app.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${token}` } });
  t.same((await call()).json(), { user: 'ann' });
  t.same((await call()).json(), { user: 'ann' }, 'the second request is answered from the cache');
  const kept = app.accessControl.verified.get(`Bearer ${token}`);
  t.equal(kept?.principal.userId, 'ann', 'the verified header is kept');
  // Only the cache can answer with a principal the token does not carry.
  if (kept) kept.principal = { ...kept.principal, userId: 'ann-from-cache' };
  t.same((await call()).json(), { user: 'ann-from-cache' }, 'a kept header is not verified again');
  // Four seconds of life: the first answers must come before it ends even on a loaded machine.
  const deadline = Date.now() + 10_000;
  let status = 200;
  while (status === 200 && Date.now() < deadline) {
    status = (await call()).statusCode;
    if (status === 200) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  t.equal(status, 401, 'past its exp the token is refused, cached or not');
});
