// The token rules and the order of checks, on a bare app (no budgets: those are tested against Redis in each service).
import { createSigner } from 'fast-jwt';
import t from 'tap';
import { authPlugin, createBaseApp, createLogger, createMetricsRegistry, principalOf, requireRole, signToken, type AuthOptions } from '../src/index.ts';

const secret = 'auth-unit-test-secret-0123456789';

const build = async (options: Partial<AuthOptions> = {}) => {
  const app = await createBaseApp({ logger: createLogger({ service: 'test', level: 'silent' }), metrics: createMetricsRegistry('test'), readiness: [] });
  await app.register(authPlugin, { secret, ...options });
  app.get('/ops-only', { onRequest: requireRole('ops') }, async (request) => ({ user: principalOf(request).userId }));
  app.post(
    '/ops-command',
    {
      onRequest: requireRole('ops'),
      schema: { body: { type: 'object', required: ['reason'], additionalProperties: false, properties: { reason: { type: 'string', minLength: 1 } } } },
    },
    async () => ({ ok: true }),
  );
  app.get('/shopper-or-ops', { onRequest: requireRole('shopper', 'ops') }, async (request) => ({ roles: principalOf(request).roles }));
  await app.ready();
  return app;
};

const sign = (claims: Record<string, unknown>, options: { expiresIn?: number; key?: string } = {}) =>
  createSigner({ key: options.key ?? secret, algorithm: 'HS256', ...(options.expiresIn === undefined ? {} : { expiresIn: options.expiresIn }) })(claims);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

t.test('a roles claim that is a string is refused, even when it contains the role ("devops" is not "ops")', async (t) => {
  const app = await build();
  const response = await app.inject({
    method: 'GET',
    url: '/ops-only',
    headers: bearer(sign({ sub: 'x', tenant: 't1', roles: 'devops' }, { expiresIn: 60_000 })),
  });
  t.equal(response.statusCode, 401);
  t.equal(response.json().error.code, 'UNAUTHORIZED');
});

t.test('roles must be a non-empty list of known roles, or the token is refused with 401', async (t) => {
  const app = await build();
  for (const roles of [['devops'], ['ops', 'root'], [], [1], { 0: 'ops' }, null, 'ops']) {
    const response = await app.inject({ method: 'GET', url: '/ops-only', headers: bearer(sign({ sub: 'x', tenant: 't1', roles }, { expiresIn: 60_000 })) });
    t.equal(response.statusCode, 401, `roles ${JSON.stringify(roles)}`);
  }
  const missing = await app.inject({ method: 'GET', url: '/ops-only', headers: bearer(sign({ sub: 'x', tenant: 't1' }, { expiresIn: 60_000 })) });
  t.equal(missing.statusCode, 401, 'no roles claim is not a shopper by default');
  const ok = await app.inject({
    method: 'GET',
    url: '/ops-only',
    headers: bearer(sign({ sub: 'ops-1', tenant: 't1', roles: ['ops'] }, { expiresIn: 60_000 })),
  });
  t.equal(ok.statusCode, 200);
  t.same(ok.json(), { user: 'ops-1' });
});

t.test('a token without an expiry is refused', async (t) => {
  const app = await build();
  const response = await app.inject({ method: 'GET', url: '/ops-only', headers: bearer(sign({ sub: 'x', tenant: 't1', roles: ['ops'] })) });
  t.equal(response.statusCode, 401);
});

t.test('a token signed with another key is refused', async (t) => {
  const app = await build();
  const response = await app.inject({
    method: 'GET',
    url: '/ops-only',
    headers: bearer(sign({ sub: 'x', tenant: 't1', roles: ['ops'] }, { expiresIn: 60_000, key: 'another-secret-of-enough-length' })),
  });
  t.equal(response.statusCode, 401);
});

t.test('with an issuer and audience configured, tokens must carry both, and signToken puts them there', async (t) => {
  const app = await build({ issuer: 'https://id.example', audience: 'flash-sale' });
  const claims = { sub: 'ops-1', tenant: 't1', roles: ['ops'] };
  const call = (token: string) => app.inject({ method: 'GET', url: '/ops-only', headers: bearer(token) });
  t.equal((await call(sign(claims, { expiresIn: 60_000 }))).statusCode, 401, 'neither iss nor aud');
  t.equal((await call(sign({ ...claims, iss: 'https://id.example' }, { expiresIn: 60_000 }))).statusCode, 401, 'no aud');
  t.equal((await call(sign({ ...claims, aud: 'flash-sale' }, { expiresIn: 60_000 }))).statusCode, 401, 'no iss');
  t.equal((await call(sign({ ...claims, iss: 'https://evil.example', aud: 'flash-sale' }, { expiresIn: 60_000 }))).statusCode, 401, 'another issuer');
  t.equal((await call(sign({ ...claims, iss: 'https://id.example', aud: 'other' }, { expiresIn: 60_000 }))).statusCode, 401, 'another audience');
  t.equal((await call(sign({ ...claims, iss: 'https://id.example', aud: 'flash-sale' }, { expiresIn: 60_000 }))).statusCode, 200);
  t.equal((await call(signToken(app, { userId: 'ops-1', tenantId: 't1', roles: ['ops'] }))).statusCode, 200);
});

t.test('without an issuer or audience configured, signToken adds neither and tokens need neither', async (t) => {
  const app = await build();
  const token = signToken(app, { userId: 'ops-1', tenantId: 't1', roles: ['ops'] });
  const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  t.notOk('iss' in payload || 'aud' in payload);
  t.ok(typeof payload.exp === 'number');
  t.equal((await app.inject({ method: 'GET', url: '/ops-only', headers: bearer(token) })).statusCode, 200);
});

t.test('a shopper posting garbage to an ops route gets 403 without any validation detail; no token gets 401', async (t) => {
  const app = await build();
  const shopper = bearer(signToken(app, { userId: 'u1', tenantId: 't1', roles: ['shopper'] }));
  for (const payload of [{}, { nonsense: true }]) {
    const response = await app.inject({ method: 'POST', url: '/ops-command', headers: shopper, payload });
    t.equal(response.statusCode, 403);
    t.same(response.json(), { error: { code: 'FORBIDDEN', message: 'requires the ops role', details: {} } });
  }
  const malformed = await app.inject({
    method: 'POST',
    url: '/ops-command',
    headers: { ...shopper, 'content-type': 'application/json' },
    payload: '{"reason":',
  });
  t.equal(malformed.statusCode, 403, 'not even the JSON parser runs first');
  const anonymous = await app.inject({ method: 'POST', url: '/ops-command', payload: {} });
  t.equal(anonymous.statusCode, 401);
  t.equal(anonymous.json().error.code, 'UNAUTHORIZED');
  const ops = bearer(signToken(app, { userId: 'ops-1', tenantId: 't1', roles: ['ops'] }));
  t.equal((await app.inject({ method: 'POST', url: '/ops-command', headers: ops, payload: {} })).statusCode, 400, 'the role holder gets the validation answer');
});

t.test('a route may admit any of several roles', async (t) => {
  const app = await build();
  for (const role of ['shopper', 'ops'] as const) {
    const response = await app.inject({
      method: 'GET',
      url: '/shopper-or-ops',
      headers: bearer(signToken(app, { userId: 'u', tenantId: 't1', roles: [role] })),
    });
    t.equal(response.statusCode, 200, role);
  }
  const service = await app.inject({
    method: 'GET',
    url: '/shopper-or-ops',
    headers: bearer(signToken(app, { userId: 'service:x', tenantId: 't1', roles: ['service'] })),
  });
  t.equal(service.statusCode, 403);
});
