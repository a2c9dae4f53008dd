import { existsSync } from 'node:fs';
import type { Store } from '../core/store.ts';
import type * as PostgresModule from '../storage/postgres/index.ts';
import { openSqliteStore } from '../storage/sqlite/index.ts';
import { CliError } from './cli-error.ts';
import { isPostgresUrl, parsePostgresLocation } from './db-location.ts';

export type CliStore = Store & { close(): Promise<void> };

type PostgresAdapter = typeof PostgresModule;

export interface OpenStoreOptions {
  /**
   * false (the read-only commands): refuse a missing database instead of creating an empty
   * one as a side effect of `waymark status` (a SQLite file, or a PostgreSQL schema).
   */
  create: boolean;
  /** Shown by PostgreSQL as the connections' application name. */
  name?: string;
}

/** Opens the store at `location`: a SQLite path or a `postgres://` URL. */
export async function openCliStore(location: string, options: OpenStoreOptions): Promise<CliStore> {
  if (isPostgresUrl(location)) return openPostgres(location, options);
  if (!options.create && location !== ':memory:' && !existsSync(location)) {
    throw new CliError(`no database at ${location} (start a run first, or pass --db <path>)`);
  }
  return openSqliteStore({ path: location });
}

/** Runs `fn` with an open store and closes it afterwards, whatever happens. */
export async function withStore<T>(
  location: string,
  options: OpenStoreOptions,
  fn: (store: CliStore) => Promise<T>,
): Promise<T> {
  const store = await openCliStore(location, options);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** The PostgreSQL adapter (loaded only when asked for: `pg` is an optional dependency). */
export async function loadPostgresAdapter(): Promise<PostgresAdapter> {
  try {
    return await import('../storage/postgres/index.ts');
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String(error).includes("'pg'")) {
      throw new CliError(
        'a postgres:// database needs the "pg" package, an optional dependency: npm install pg@8.23.1',
      );
    }
    throw error;
  }
}

async function openPostgres(location: string, options: OpenStoreOptions): Promise<CliStore> {
  const { openPostgresStore } = await loadPostgresAdapter();
  const { url, schema } = parsePostgresLocation(location);
  return openPostgresStore({
    url,
    ...(schema === undefined ? {} : { schema }),
    createSchema: options.create,
    applicationName: options.name ?? 'waymark-cli',
  });
}
