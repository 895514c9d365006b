// Applies every service's migrations, creates the declared Kafka topics, the services' Kafka grants
// and their Redis users. Idempotent.
import { createKafkaTransport, ensureTopics, platformMigrationsDir as platformMigrations } from '@flash-sale/events';
import { migrateDatabase } from '@flash-sale/migrate';
import { existsSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { grantStatements } from '../../services/reconciler/src/infra/grants.ts';
import { applyStackKafkaAcls } from './kafka-acls.ts';
import { applyRedisUsers, redisUsers } from './redis-users.ts';

const repoRoot = new URL('../../', import.meta.url).pathname;
const adminUrl = process.env.MYSQL_ADMIN_URL;
const brokers = process.env.KAFKA_BROKERS;
if (!adminUrl || !brokers) {
  console.error('MYSQL_ADMIN_URL and KAFKA_BROKERS must be set (source infra/local/env.sh)');
  process.exit(2);
}

const services: Record<string, string> = {
  order: 'order_service',
  payment: 'payment_service',
  inventory: 'inventory_service',
  reconciler: 'reconciler_service',
};
// Each service's database lives on that service's server: the one server on the single topology,
// its own on the cluster topology (infra/local/env.sh exports <SERVICE>_MYSQL_ADMIN_URL).
const serverOf = (service: string) => process.env[`${service.toUpperCase()}_MYSQL_ADMIN_URL`] ?? adminUrl;
for (const [service, database] of Object.entries(services)) {
  const serviceMigrations = `${repoRoot}services/${service}/migrations`;
  const migrationsDirs = existsSync(serviceMigrations) ? [platformMigrations, serviceMigrations] : [platformMigrations];
  const result = await migrateDatabase({ adminUrl: serverOf(service), database, migrationsDirs });
  console.error(`[prepare] ${database}: version ${result.version}${result.applied.length ? `, applied ${result.applied.join(', ')}` : ''}`);
}

// The reconciler's grants name tables and columns, so they follow the migrations. Each service's
// server gets the statements on that service's schema, for the reconciler user of that server; on
// the single topology the three servers are one and every statement runs there once.
const grantSchemas = { order: services.order as string, payment: services.payment as string, inventory: services.inventory as string };
let grantsApplied = 0;
for (const [service, schema] of Object.entries(grantSchemas)) {
  const grantConnection = await mysql.createConnection({ uri: serverOf(service) });
  try {
    const statements = grantStatements({ user: process.env.RECONCILER_DB_USER ?? 'reconciler_svc', host: '%', schemas: grantSchemas });
    for (const statement of statements.filter((sql) => sql.includes(`\`${schema}\``))) {
      await grantConnection.query(statement);
      grantsApplied += 1;
    }
  } finally {
    await grantConnection.end();
  }
}
console.error(`[prepare] reconciler grants: ${grantsApplied} applied`);

const admin = createKafkaTransport(
  { KAFKA_BROKERS: brokers.split(','), KAFKA_SASL_USERNAME: process.env.KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD: process.env.KAFKA_SASL_PASSWORD },
  { clientId: 'stack-prepare', logLevel: 'error' },
).admin();
await admin.connect();
try {
  const created = await ensureTopics(admin);
  console.error(`[prepare] topics: ${created.length ? `created ${created.join(', ')}` : 'all present'}`);
} finally {
  await admin.disconnect();
}

const grants = await applyStackKafkaAcls(process.env);
console.error(`[prepare] kafka grants: ${grants.total} derived from the catalog, ${grants.created} created, ${grants.deleted} removed`);

const redisNodes = await applyRedisUsers(process.env, (line) => console.error(`[prepare] ${line}`));
console.error(
  `[prepare] redis users: ${
    redisUsers()
      .map((user) => user.user)
      .join(', ') || 'none'
  } on ${redisNodes} node(s)`,
);
