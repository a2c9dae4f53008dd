import { existsSync } from 'node:fs';
import { Option } from 'commander';
import type { Store } from '../core/store.ts';
import type { Engine } from '../runtime/engine.ts';
import type * as PostgresModule from '../storage/postgres/index.ts';
import { CliError } from './cli-error.ts';
import type { CliContext } from './cli-context.ts';
import { DB_OPTION_HELP, resolveDbPath } from './config.ts';
import { describeDb, isPostgresUrl, parsePostgresLocation } from './db-location.ts';

export type CliStore = Store & { close(): Promise<void> };

type PostgresAdapter = typeof PostgresModule;

/** The `--db` option of every command that reads or writes runs. */
export function dbOption(): Option {
  return new Option('--db <path|url>', DB_OPTION_HELP);
}

export interface OpenStoreOptions {
  /**
   * false (the read-only commands): refuse a missing database instead of creating an empty
   * one as a side effect of `waymark status` (a SQLite file, or a PostgreSQL schema).
   */
  create: boolean;
  /** Shown by PostgreSQL as the connections' application name. */
  name?: string;
}

/**
 * Opens the store at `location`: a SQLite path or a `postgres://` URL. The store (and
 * below, the engine) are imported when a command opens them: this module is loaded at start
 * for `dbOption`, by every command, and `validate` or `schema` never open a database.
 */
export async function openCliStore(location: string, options: OpenStoreOptions): Promise<CliStore> {
  if (isPostgresUrl(location)) return openPostgres(location, options);
  if (!options.create && location !== ':memory:' && !existsSync(location)) {
    throw new CliError(`no database at ${location} (start a run first, or pass --db <path>)`);
  }
  const { openSqliteStore } = await import('../storage/sqlite/index.ts');
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

/**
 * Runs `fn` with a client engine (no worker: it executes nothing) on the existing database
 * named by `--db` (or the default), and closes the store afterwards, whatever happens. For
 * the commands that only read runs: status, list, history.
 */
export async function withClientEngine<T>(
  ctx: CliContext,
  dbFlag: string | undefined,
  fn: (engine: Engine, dbPath: string) => Promise<T>,
): Promise<T> {
  const path = resolveDbPath(ctx.config, dbFlag);
  return withStore(path, { create: false }, async (store) => {
    const { createEngine } = await import('../runtime/engine.ts');
    return fn(createEngine({ store, worker: false }), path);
  });
}

/** The error of a command given a run id the database does not have. */
export function noSuchRun(runId: string, dbPath: string): CliError {
  return new CliError(`no run with id ${runId} in ${describeDb(dbPath)}`);
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
