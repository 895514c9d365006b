// The reconciler's database user as infra/local/mariadb.sh and prepare.ts provision it (ADR 0004):
// a uuid-named user with its own schema, then grants.sql on the others. Dropped after the test.
import { randomUUID } from 'node:crypto';
import { resolveServers, uniqueName } from '@flash-sale/testkit';
import mysql from 'mysql2/promise';
import { applyGrants } from '../../src/infra/grants.ts';
import type { Fixture } from './reconciler-fixture.ts';

export async function reconcilerUser(t: { teardown: (fn: () => unknown) => void }, f: Fixture): Promise<{ pool: mysql.Pool; grants: number }> {
  const servers = await resolveServers();
  const user = uniqueName('rc_user');
  const password = randomUUID();
  const admin = await mysql.createConnection({ uri: servers.mysqlAdminUrl });
  await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY ?`, [password]);
  const url = new URL(f.reconciler.url);
  url.username = user;
  url.password = password;
  const pool = mysql.createPool({ uri: url.toString(), connectionLimit: 5, timezone: 'Z', dateStrings: true, supportBigNumbers: true, bigNumberStrings: true });
  t.teardown(async () => {
    await pool.end();
    await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await admin.end();
  });
  await admin.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON \`${f.reconciler.name}\`.* TO '${user}'@'%'`);
  const grants = await applyGrants(admin, { user, host: '%', schemas: f.deps.tables.schemas });
  return { pool, grants };
}
