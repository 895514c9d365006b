/**
 * The reconciler's least-privilege grants on the other services' schemas (ADR 0004), read from
 * `grants.sql` with the user and schema names put in. Each statement names one schema, so with a
 * server per service (ADR 0010) each server gets the statements on its own schema. Used by
 * `scripts/stack/prepare.ts` after the migrations and by the tests against uuid-named schemas, so
 * both apply the same statements.
 */
import { readFileSync } from 'node:fs';
import type { Connection } from 'mysql2/promise';

export const grantsFile = new URL('../../grants.sql', import.meta.url).pathname;

const NAME = /^[A-Za-z0-9_]+$/;

/** The service schemas the grants name, each on the server that holds it (ADR 0010). */
export interface Schemas {
  order: string;
  payment: string;
  inventory: string;
}
const HOST = /^[A-Za-z0-9_.%-]+$/;

export interface GrantTarget {
  user: string;
  host: string;
  schemas: Schemas;
}

/** The statements of `grants.sql` for one user and set of schemas, in file order. */
export function grantStatements(target: GrantTarget, sql: string = readFileSync(grantsFile, 'utf8')): string[] {
  // Names are spliced into SQL (GRANT takes no placeholders), so only plain identifiers pass.
  for (const [what, name] of Object.entries({ user: target.user, ...target.schemas })) {
    if (!NAME.test(name)) throw new Error(`${what} must match ${NAME.source}: ${JSON.stringify(name)}`);
  }
  if (!HOST.test(target.host)) throw new Error(`host must match ${HOST.source}: ${JSON.stringify(target.host)}`);
  return sql
    .replace(/^--.*$/gm, '')
    .replaceAll('{user}', `'${target.user}'@'${target.host}'`)
    .replaceAll('{order}', target.schemas.order)
    .replaceAll('{payment}', target.schemas.payment)
    .replaceAll('{inventory}', target.schemas.inventory)
    .split(';')
    .map((statement) => statement.trim())
    .filter(Boolean);
}

/** Applies the grants on an admin connection; idempotent (GRANT only adds). Returns how many ran. */
export async function applyGrants(admin: Connection, target: GrantTarget): Promise<number> {
  const statements = grantStatements(target);
  for (const statement of statements) await admin.query(statement);
  return statements.length;
}
