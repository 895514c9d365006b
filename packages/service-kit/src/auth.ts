/**
 * Bearer JWT (HS256) carrying who calls and for which tenant. Shoppers act on their own orders;
 * the `ops` role runs admin, refund, fulfilment and reconciliation endpoints.
 */
import jwt from '@fastify/jwt';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError, forbidden, unauthorized } from './errors.ts';

/** `platform-ops` acts across tenants (global queues, every tenant's books); `service` is another of our services. */
export type Role = 'shopper' | 'ops' | 'platform-ops' | 'service';

export interface Principal {
  userId: string;
  tenantId: string;
  roles: Role[];
}

interface TokenClaims {
  sub: string;
  tenant: string;
  roles?: Role[];
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
}

export const authPlugin = fp(
  async (app: FastifyInstance, options: { secret: string }) => {
    // Verified tokens are cached (until they expire): a shopper sends the same token many times.
    await app.register(jwt, { secret: options.secret, verify: { algorithms: ['HS256'], cache: 10_000 } });
  },
  { name: 'auth' },
);

async function authenticate(request: FastifyRequest): Promise<Principal> {
  if (!request.headers.authorization) throw unauthorized('missing bearer token');
  let claims: TokenClaims;
  try {
    claims = await request.jwtVerify<TokenClaims>();
  } catch {
    throw unauthorized('invalid or expired bearer token');
  }
  if (typeof claims.sub !== 'string' || typeof claims.tenant !== 'string' || !claims.sub || !claims.tenant) {
    throw unauthorized('token lacks subject or tenant');
  }
  const principal = { userId: claims.sub, tenantId: claims.tenant, roles: claims.roles ?? ['shopper'] };
  request.principal = principal;
  return principal;
}

/** A preHandler that admits a caller holding `role`. */
export const requireRole = (role: Role) => async (request: FastifyRequest) => {
  const principal = await authenticate(request);
  if (!principal.roles.includes(role)) throw forbidden(`requires the ${role} role`);
};

/** The authenticated caller; only valid behind `requireRole`. */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new AppError('INTERNAL', 500, 'route has no authentication pre-handler');
  return request.principal;
}

/** Signs a token: for tests, the demo and load runs; production tokens come from the identity provider. */
export function signToken(app: FastifyInstance, principal: Principal, expiresIn = '1h'): string {
  return app.jwt.sign({ sub: principal.userId, tenant: principal.tenantId, roles: principal.roles }, { expiresIn });
}
