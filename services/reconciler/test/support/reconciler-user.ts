// Database users as the stack provisions them for the reconciler: uuid-named, dropped after the test.
import { randomUUID } from 'node:crypto';
import { resolveServers, uniqueName } from '@flash-sale/testkit';
import mysql from 'mysql2/promise';
import { grantStatements } from '../../src/infra/grants.ts';
import type { ServiceDatabases } from '../../src/infra/service-databases.ts';
import type { Fixture } from './reconciler-fixture.ts';

type Tap = { teardown: (fn: () => unknown) => void };

const schemasOf = (f: Fixture) => ({ order: f.order.name, payment: f.payment.name, inventory: f.inventory.name });

/** A new user with the statements `grant` gives for it, and a pool of it on each of `databases`. */
async function userWith(t: Tap, databases: readonly string[], grant: (user: string) => string[]): Promise<Record<string, mysql.Pool>> {
  const servers = await resolveServers();
  const user = uniqueName('rc_user');
  const password = randomUUID();
  const admin = await mysql.createConnection({ uri: servers.mysqlAdminUrl });
  await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY ?`, [password]);
  const pools: Record<string, mysql.Pool> = {};
  for (const database of databases) {
    const url = new URL(servers.mysqlAdminUrl);
    url.username = user;
    url.password = password;
    url.pathname = `/${database}`;
    pools[database] = mysql.createPool({
      uri: url.toString(),
      connectionLimit: 5,
      timezone: 'Z',
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
    });
  }
  t.teardown(async () => {
    for (const pool of Object.values(pools)) await pool.end();
    await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await admin.end();
  });
  for (const statement of grant(user)) await admin.query(statement);
  return pools;
}

/**
 * The single-server user (ADR 0004's grants.sql on one server): its own schema, then grants.sql on
 * the others; `databases` are its connections to each service schema, as config derives them.
 */
export async function reconcilerUser(t: Tap, f: Fixture): Promise<{ pool: mysql.Pool; databases: ServiceDatabases; grants: number }> {
  const schemas = schemasOf(f);
  let grants = 0;
  const pools = await userWith(t, [f.reconciler.name, schemas.order, schemas.payment, schemas.inventory], (user) => {
    const statements = grantStatements({ user, host: '%', schemas });
    grants = statements.length;
    return [`GRANT SELECT, INSERT, UPDATE, DELETE ON \`${f.reconciler.name}\`.* TO '${user}'@'%'`, ...statements];
  });
  const pool = (name: string) => pools[name] as mysql.Pool;
  return {
    pool: pool(f.reconciler.name),
    databases: { order: pool(schemas.order), payment: pool(schemas.payment), inventory: pool(schemas.inventory) },
    grants,
  };
}

/**
 * One server per service (ADR 0010), on one test server: a separate user per database, each with
 * grants on its own schema only (the reconciler's own schema; grants.sql's statements on one
 * service schema), so a statement that reaches into another service's schema is refused.
 */
export async function usersPerDatabase(t: Tap, f: Fixture): Promise<{ pool: mysql.Pool; databases: ServiceDatabases }> {
  const schemas = schemasOf(f);
  const own = await userWith(t, [f.reconciler.name], (user) => [`GRANT SELECT, INSERT, UPDATE, DELETE ON \`${f.reconciler.name}\`.* TO '${user}'@'%'`]);
  const onOneSchema = async (schema: string) => {
    const pools = await userWith(t, [schema], (user) =>
      grantStatements({ user, host: '%', schemas }).filter((statement) => statement.includes(`\`${schema}\``)),
    );
    return pools[schema] as mysql.Pool;
  };
  return {
    pool: own[f.reconciler.name] as mysql.Pool,
    databases: { order: await onOneSchema(schemas.order), payment: await onOneSchema(schemas.payment), inventory: await onOneSchema(schemas.inventory) },
  };
}
