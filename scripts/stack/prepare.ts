// Applies every service's migrations and creates the declared Kafka topics. Idempotent.
import { ensureTopics, platformMigrationsDir as platformMigrations } from '@flash-sale/events';
import { migrateDatabase } from '@flash-sale/migrate';
import { existsSync } from 'node:fs';
import mysql from 'mysql2/promise';
import { Kafka, logLevel } from 'kafkajs';
import { applyGrants } from '../../services/reconciler/src/infra/grants.ts';

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
for (const [service, database] of Object.entries(services)) {
  const serviceMigrations = `${repoRoot}services/${service}/migrations`;
  const migrationsDirs = existsSync(serviceMigrations) ? [platformMigrations, serviceMigrations] : [platformMigrations];
  const result = await migrateDatabase({ adminUrl, database, migrationsDirs });
  console.error(`[prepare] ${database}: version ${result.version}${result.applied.length ? `, applied ${result.applied.join(', ')}` : ''}`);
}

// The reconciler's cross-schema grants name tables and columns, so they follow the migrations.
const grantConnection = await mysql.createConnection({ uri: adminUrl });
try {
  const applied = await applyGrants(grantConnection, {
    user: process.env.RECONCILER_DB_USER ?? 'reconciler_svc',
    host: '%',
    schemas: { order: services.order as string, payment: services.payment as string, inventory: services.inventory as string },
  });
  console.error(`[prepare] reconciler grants: ${applied} applied`);
} finally {
  await grantConnection.end();
}

const admin = new Kafka({ clientId: 'stack-prepare', brokers: brokers.split(','), logLevel: logLevel.ERROR }).admin();
await admin.connect();
try {
  const created = await ensureTopics(admin);
  console.error(`[prepare] topics: ${created.length ? `created ${created.join(', ')}` : 'all present'}`);
} finally {
  await admin.disconnect();
}
