export * from './topics.ts';
/** The platform's own tables (outbox, consumer dedupe), applied before every service's migrations. */
export const platformMigrationsDir = new URL('../migrations', import.meta.url).pathname;
