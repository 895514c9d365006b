// `npm run token -- [--role shopper|ops|platform-ops] [--user <id>] [--tenant <id>]`: prints a bearer
// token valid for an hour against the services `npm start` runs (their local JWT_SECRET).
//   TOKEN=$(npm run token | tail -1) && curl -H "Authorization: Bearer $TOKEN" localhost:3001/v1/orders
import { parseArgs } from 'node:util';
import { localTokenSigner, type Role } from './local-token.ts';

const ROLES: readonly Role[] = ['shopper', 'ops', 'platform-ops'];
const { values } = parseArgs({
  options: { role: { type: 'string', default: 'shopper' }, user: { type: 'string', default: 'readme-shopper' }, tenant: { type: 'string', default: 't1' } },
  strict: true,
});
const role = values.role as Role;
if (!ROLES.includes(role)) {
  console.error(`--role must be one of ${ROLES.join(', ')}`);
  process.exit(2);
}
console.log(localTokenSigner()({ userId: values.user, tenant: values.tenant, roles: [role] }));
