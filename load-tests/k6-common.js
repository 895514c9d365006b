// What every k6 script of the repository shares (load-tests/flash-sale.js, tests/chaos/src/chaos-sale.js):
// required settings, and shopper tokens signed in the script (HS256 with the services' JWT_SECRET,
// with JWT_ISSUER and JWT_AUDIENCE when the services check them).
import crypto from 'k6/crypto';
import encoding from 'k6/encoding';

export const required = (name) => {
  const value = __ENV[name];
  if (!value) throw new Error(`${name} must be set`);
  return value;
};

const b64url = (text) => encoding.b64encode(text, 'rawurl');
const JWT_HEADER = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

/** A one-hour shopper token for `sub` of `tenant`. */
export function shopperToken(secret, tenant, sub) {
  const now = Math.floor(Date.now() / 1000);
  const issuer = __ENV.JWT_ISSUER || '';
  const audience = __ENV.JWT_AUDIENCE || '';
  const claims = b64url(
    JSON.stringify({ sub, tenant, roles: ['shopper'], iat: now, exp: now + 3600, ...(issuer ? { iss: issuer } : {}), ...(audience ? { aud: audience } : {}) }),
  );
  return `${JWT_HEADER}.${claims}.${crypto.hmac('sha256', secret, `${JWT_HEADER}.${claims}`, 'base64rawurl')}`;
}
