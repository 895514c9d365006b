export * from './topics.ts';
export * from './envelope.ts';
export * from './registry.ts';
export * from './catalog.ts';
export { prepareEvent, writeOutbox, writeOutboxSql, type PendingEvent, type SqlExecutor } from './outbox-writer.ts';

/** The platform's own tables (outbox, consumer dedupe), applied before every service's migrations. */
export const platformMigrationsDir = new URL('../migrations', import.meta.url).pathname;
