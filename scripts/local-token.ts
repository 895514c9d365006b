// Tokens for the local stack, signed with the JWT_SECRET (and issuer and audience, when set) that
// infra/local/env.sh gives the services: used by `npm run demo` and `npm run token`.
import { createSigner } from 'fast-jwt';

export type Role = 'shopper' | 'ops' | 'platform-ops';

export function localTokenSigner(env: NodeJS.ProcessEnv = process.env): (principal: { userId: string; tenant: string; roles: Role[] }) => string {
  const key = env.JWT_SECRET;
  if (!key) throw new Error('JWT_SECRET must be set (npm run sets it from infra/local/env.sh)');
  // The services refuse tokens without the issuer and audience when those are configured.
  const sign = createSigner({
    key,
    expiresIn: 3_600_000,
    ...(env.JWT_ISSUER ? { iss: env.JWT_ISSUER } : {}),
    ...(env.JWT_AUDIENCE ? { aud: env.JWT_AUDIENCE } : {}),
  });
  return ({ userId, tenant, roles }) => sign({ sub: userId, tenant, roles });
}
