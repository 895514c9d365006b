/**
 * Bearer JWT (HS256) carrying who calls and for which tenant. Shoppers act on their own orders;
 * the `ops` role runs admin, refund, fulfilment and reconciliation endpoints of its tenant.
 *
 * `requireRole` is an `onRequest` hook: fastify parses and validates the body only after
 * `onRequest`, so a caller without the role learns nothing of a route's schema (401/403 come
 * first). The same hook charges the request to a rate budget: the verified caller's (tenant +
 * user) once the token checks out, the client address's when it does not.
 */
import jwt from '@fastify/jwt';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { RedisClient } from './clients.ts';
import { AppError, forbidden, unauthorized } from './errors.ts';
import { addressIdentity, defaultRateLimits, RateLimiter, type Budget, type RateLimits } from './rate-limit.ts';

/** `platform-ops` acts across tenants (global queues, every tenant's books); `service` is another of our services. */
export const roleNames = ['shopper', 'ops', 'platform-ops', 'service'] as const;
export type Role = (typeof roleNames)[number];

const knownRoles: ReadonlySet<string> = new Set(roleNames);

export interface Principal {
  userId: string;
  tenantId: string;
  roles: Role[];
}

interface TokenClaims {
  sub: string;
  tenant: string;
  roles: Role[];
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims;
    user: TokenClaims;
  }
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyInstance {
    accessControl: AccessControl;
  }
}

export interface AuthOptions {
  secret: string;
  /** `JWT_ISSUER`: when set, tokens must carry this `iss` (and `signToken` puts it there). */
  issuer?: string | undefined;
  /** `JWT_AUDIENCE`: when set, tokens must name this `aud` (and `signToken` puts it there). */
  audience?: string | undefined;
  /** Budgets in Redis; without it nothing is rate limited (unit tests of the token rules). */
  rateLimit?: { redis: RedisClient; service: string; keyPrefix?: string | undefined; limits?: Partial<RateLimits> | undefined };
}

interface AccessControl {
  limiter: RateLimiter | undefined;
  limits: RateLimits;
  /** Authorization header -> the principal it verified to, until the token expires. */
  verified: Map<string, { principal: Principal; expiresAtMs: number }>;
}

export const authPlugin = fp(
  async (app: FastifyInstance, options: AuthOptions) => {
    const claims = {
      ...(options.issuer ? { iss: options.issuer } : {}),
      ...(options.audience ? { aud: options.audience } : {}),
    };
    await app.register(jwt, {
      secret: options.secret,
      sign: claims,
      verify: {
        algorithms: ['HS256'],
        // A token without an expiry would be a password that never changes. fast-jwt checks
        // `allowedIss`/`allowedAud` only when the claim is present, so configured ones are required too.
        requiredClaims: ['exp', ...(options.issuer ? ['iss'] : []), ...(options.audience ? ['aud'] : [])],
        ...(options.issuer ? { allowedIss: options.issuer } : {}),
        ...(options.audience ? { allowedAud: options.audience } : {}),
        // No fast-jwt cache: `authenticate` keeps what a header verified to until its `exp`, so a
        // second cache would only hash every first sight of a token and hold a copy of each.
      },
    });
    const rateLimit = options.rateLimit;
    const limiter = rateLimit
      ? new RateLimiter({ redis: rateLimit.redis, service: rateLimit.service, ...(rateLimit.keyPrefix ? { keyPrefix: rateLimit.keyPrefix } : {}) })
      : undefined;
    // Requests admitted on the local count reach Redis in batches: the last batch goes before Redis is closed.
    if (limiter) app.addHook('onClose', async () => limiter.close());
    app.decorate('accessControl', {
      limiter,
      limits: { ...defaultRateLimits, ...rateLimit?.limits },
      verified: new Map(),
    } satisfies AccessControl);
  },
  { name: 'auth' },
);

const isRoleList = (value: unknown): value is Role[] =>
  Array.isArray(value) && value.length > 0 && value.every((role) => typeof role === 'string' && knownRoles.has(role));

/** Tenant ids: letters, digits, `.`, `_`, `-`; at most 64 (the width of every tenant_id column). */
export const tenantIdPattern = /^[A-Za-z0-9._-]{1,64}$/;
/** Subjects also carry `:` (`service:<name>`) and `@`; never braces, spaces or quotes. */
const subjectPattern = /^[A-Za-z0-9._:@-]{1,64}$/;

/** Most verified Authorization headers kept per app; the oldest goes first. */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * A shopper sends the same token many times. Even with fast-jwt's own cache, decoding and hashing
 * it again took about a tenth of a sold-out refusal, so the principal a header verified to is kept
 * here (instead of fast-jwt's cache) until the token's `exp`. Only successes are kept; a refused
 * header is checked every time (and charged to the address's budget).
 */
async function authenticate(request: FastifyRequest, control: AccessControl): Promise<Principal> {
  const header = request.headers.authorization;
  if (!header) throw unauthorized('missing bearer token');
  const cached = control.verified.get(header);
  if (cached) {
    if (Date.now() < cached.expiresAtMs) return { ...cached.principal, roles: [...cached.principal.roles] };
    control.verified.delete(header);
  }
  let claims: TokenClaims & { exp?: unknown };
  try {
    claims = await request.jwtVerify<TokenClaims>();
  } catch {
    throw unauthorized('invalid or expired bearer token');
  }
  const principal = principalFrom(claims);
  if (typeof claims.exp === 'number') {
    if (control.verified.size >= VERIFIED_CACHE_SIZE) {
      const oldest = control.verified.keys().next();
      if (!oldest.done) control.verified.delete(oldest.value);
    }
    control.verified.set(header, { principal, expiresAtMs: claims.exp * 1000 });
  }
  return { ...principal, roles: [...principal.roles] };
}

function principalFrom(claims: TokenClaims): Principal {
  if (typeof claims.sub !== 'string' || typeof claims.tenant !== 'string' || !claims.sub || !claims.tenant) {
    throw unauthorized('token lacks subject or tenant');
  }
  // Both end up in SQL, Redis keys (hash tags) and logs: only plain ids are accepted.
  if (!tenantIdPattern.test(claims.tenant) || !subjectPattern.test(claims.sub)) throw unauthorized('token subject or tenant is not a valid id');
  // A string would pass `includes` as a substring match ("devops" holds "ops"): only a list of known roles is a grant.
  if (!isRoleList(claims.roles)) throw unauthorized('token roles must be a list of known roles');
  return { userId: claims.sub, tenantId: claims.tenant, roles: [...claims.roles] };
}

function accessControlOf(request: FastifyRequest): AccessControl {
  const control = request.server.accessControl as AccessControl | undefined;
  if (!control) throw new AppError('INTERNAL', 500, 'route is guarded but the auth plugin is not registered');
  return control;
}

const principalIdentity = (principal: Principal) => `${encodeURIComponent(principal.tenantId)}/${encodeURIComponent(principal.userId)}`;

/**
 * An `onRequest` hook admitting a caller that holds any of `allowed`: 401 without a valid token,
 * 429 over budget, 403 without the role. Another of our services (`service` role) is not rate
 * limited: its calls are on behalf of many callers already limited at the edge.
 */
export const requireRole =
  (...allowed: [Role, ...Role[]]) =>
  async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const control = accessControlOf(request);
    let principal: Principal;
    try {
      principal = await authenticate(request, control);
    } catch (error) {
      // Failed authentication is charged to the address: guessing tokens costs the guesser.
      await control.limiter?.enforce(request, reply, 'address', addressIdentity(request), control.limits.perAddress);
      throw error;
    }
    request.principal = principal;
    if (!principal.roles.includes('service')) {
      await control.limiter?.enforce(request, reply, 'principal', principalIdentity(principal), control.limits.perPrincipal);
    }
    if (!allowed.some((role) => principal.roles.includes(role))) throw forbidden(`requires the ${allowed.join(' or ')} role`);
  };

/**
 * An `onRequest` hook for a route without bearer tokens (a provider's webhook, the public sale
 * reads): its own budget per client address. Callback-style, so a request admitted on this
 * process's own count costs no promise (`RateLimiter.charge`).
 */
export const limitByAddress =
  (bucket: string, budget: Budget) =>
  (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void => {
    const limiter = accessControlOf(request).limiter;
    if (limiter) limiter.charge(request, reply, bucket, addressIdentity(request), budget, done);
    else done();
  };

/** The authenticated caller; only valid behind `requireRole`. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('INTERNAL', 500, 'route has no authentication hook');
  return request.principal;
}

/** True when the caller may act across tenants (global queues, every tenant's books). */
export const actsAcrossTenants = (principal: Principal) => principal.roles.includes('platform-ops');

/** Signs a token (with the configured `iss`/`aud`): for tests, the demo and load runs; production tokens come from the identity provider. */
export function signToken(app: FastifyInstance, principal: Principal, expiresIn = '1h'): string {
  return app.jwt.sign({ sub: principal.userId, tenant: principal.tenantId, roles: principal.roles }, { expiresIn });
}
