import { resolvePostgresOptions, type PostgresStoreOptions } from './options.ts';
import { PostgresStore } from './postgres-store.ts';

export { PostgresStore } from './postgres-store.ts';
export { DEFAULT_SCHEMA, redactUrl } from './options.ts';
export type { LeaseClock, PostgresStoreOptions } from './options.ts';
export type { ImportCounts, RunToImport } from './import-runs.ts';

/**
 * Connects to PostgreSQL and applies pending migrations (creating the schema if needed).
 * `pg` is an optional peer dependency: install it (`npm install pg`) to use this store.
 *
 * @example
 * const store = await openPostgresStore({ url: 'postgres://localhost/app', schema: 'waymark' });
 * // …
 * await store.close();
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const store = new PostgresStore(resolvePostgresOptions(options));
  try {
    await store.init();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
