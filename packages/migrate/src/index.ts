/**
 * Per-service SQL migrations, applied in order and recorded in `schema_migrations` (postgrator).
 * Files are `NNN.do.<what>.sql` and must run on both MySQL 8 and MariaDB 10.11. A service's schema
 * is the platform's tables (`packages/events/migrations`, versions 001–099) plus its own
 * (`services/<name>/migrations`, 100 and up), applied as one ordered sequence. Applied with an admin connection: the services' own users have DML
 * rights only.
 */
import mysql from 'mysql2/promise';
import Postgrator from 'postgrator';

export interface MigrateOptions {
  /** A server URL without a database, with rights to create one (the admin user). */
  adminUrl: string;
  database: string;
  migrationsDirs: string[];
  log?: (message: string) => void;
}

export interface MigrateResult {
  database: string;
  applied: string[];
  version: number;
}

export async function migrateDatabase(options: MigrateOptions): Promise<MigrateResult> {
  if (!/^[A-Za-z0-9_]+$/.test(options.database)) throw new Error(`unsafe database name ${options.database}`);
  const url = new URL(options.adminUrl);
  url.pathname = '';
  const connection = await mysql.createConnection({ uri: url.toString(), multipleStatements: true, timezone: 'Z' });
  try {
    await connection.query(`CREATE DATABASE IF NOT EXISTS \`${options.database}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
    await connection.query(`USE \`${options.database}\``);
    const postgrator = new Postgrator({
      migrationPattern: options.migrationsDirs.length === 1 ? `${options.migrationsDirs[0]}/*.sql` : `{${options.migrationsDirs.join(',')}}/*.sql`,
      driver: 'mysql',
      database: options.database,
      schemaTable: 'schema_migrations',
      validateChecksums: true,
      execQuery: async (query: string) => {
        const [rows] = await connection.query(query);
        return { rows: Array.isArray(rows) ? (rows as unknown[]) : [] };
      },
    });
    const applied = await postgrator.migrate();
    const version = await postgrator.getDatabaseVersion();
    for (const migration of applied) options.log?.(`${options.database}: applied ${migration.filename}`);
    return { database: options.database, applied: applied.map((m) => m.filename), version };
  } finally {
    await connection.end();
  }
}
