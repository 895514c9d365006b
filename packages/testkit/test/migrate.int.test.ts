// @flash-sale/migrate is exercised here because the test kit is what creates test databases with it.
import { migrateDatabase } from '@flash-sale/migrate';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createTestDatabase, resolveServers } from '../src/index.ts';

t.test('migrations from several folders apply in version order, once', async (t) => {
  const platform = mkdtempSync(join(tmpdir(), 'platform-'));
  const service = mkdtempSync(join(tmpdir(), 'service-'));
  writeFileSync(join(platform, '001.do.base.sql'), 'CREATE TABLE base (id INT PRIMARY KEY);');
  writeFileSync(
    join(service, '100.do.child.sql'),
    'CREATE TABLE child (id INT PRIMARY KEY, base_id INT NOT NULL, FOREIGN KEY (base_id) REFERENCES base (id));\nINSERT INTO base VALUES (1);',
  );

  const db = await createTestDatabase(t.teardown.bind(t));
  const { mysqlAdminUrl } = await resolveServers();
  const first = await migrateDatabase({ adminUrl: mysqlAdminUrl, database: db.name, migrationsDirs: [service, platform] });
  t.same(
    first.applied.map((file) => file.split('/').pop()),
    ['001.do.base.sql', '100.do.child.sql'],
  );
  t.equal(first.version, 100);

  const second = await migrateDatabase({ adminUrl: mysqlAdminUrl, database: db.name, migrationsDirs: [platform, service] });
  t.same(second.applied, []);
  const [rows] = await db.pool.query('SELECT version FROM schema_migrations WHERE version > 0 ORDER BY version');
  t.same(
    (rows as Array<{ version: string | number }>).map((row) => Number(row.version)),
    [1, 100],
  );
});

t.test('a changed migration that already ran is refused (checksum)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'checksum-'));
  writeFileSync(join(dir, '001.do.base.sql'), 'CREATE TABLE base (id INT PRIMARY KEY);');
  const db = await createTestDatabase(t.teardown.bind(t));
  const { mysqlAdminUrl } = await resolveServers();
  await migrateDatabase({ adminUrl: mysqlAdminUrl, database: db.name, migrationsDirs: [dir] });
  writeFileSync(join(dir, '001.do.base.sql'), 'CREATE TABLE base (id BIGINT PRIMARY KEY);');
  await t.rejects(migrateDatabase({ adminUrl: mysqlAdminUrl, database: db.name, migrationsDirs: [dir] }));
});
