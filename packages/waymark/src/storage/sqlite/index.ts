import { resolveSqliteOptions, type SqliteStoreOptions } from './open-database.ts';
import { SqliteStore } from './sqlite-store.ts';

export { SqliteStore } from './sqlite-store.ts';
export type { SqliteStoreOptions, SynchronousMode } from './open-database.ts';

/**
 * Opens (creating it if needed) a SQLite database and applies pending migrations.
 *
 * @example
 * const store = await openSqliteStore({ path: '.waymark/waymark.db' });
 * // …
 * await store.close();
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<SqliteStore> {
  const store = new SqliteStore(resolveSqliteOptions(options));
  try {
    await store.init();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}
