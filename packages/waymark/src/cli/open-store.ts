import { existsSync } from 'node:fs';
import { Option } from 'commander';
import type { Store } from '../core/store.ts';
import type { Engine } from '../runtime/engine.ts';
import { CliError } from './cli-error.ts';
import type { CliContext } from './cli-context.ts';
import { DEFAULT_DB_PATH, resolveDbPath } from './config.ts';

export type CliStore = Store & { close(): Promise<void> };

/** The `--db` option of every command that reads or writes runs. */
export function dbOption(): Option {
  return new Option('--db <path>', `SQLite database (default: $WAYMARK_DB or ${DEFAULT_DB_PATH})`);
}

/**
 * Opens the SQLite database. `create: false` (the read-only commands) refuses a missing file
 * instead of creating an empty database as a side effect of `waymark status`. The store (and
 * below, the engine) are imported when a command opens them: this module is loaded at start
 * for `dbOption`, by every command, and `validate` or `schema` never open a database.
 */
export async function openCliStore(path: string, options: { create: boolean }): Promise<CliStore> {
  if (!options.create && path !== ':memory:' && !existsSync(path)) {
    throw new CliError(`no database at ${path} (start a run first, or pass --db <path>)`);
  }
  const { openSqliteStore } = await import('../storage/sqlite/index.ts');
  return openSqliteStore({ path });
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
  const store = await openCliStore(path, { create: false });
  try {
    const { createEngine } = await import('../runtime/engine.ts');
    return await fn(createEngine({ store, worker: false }), path);
  } finally {
    await store.close();
  }
}

/** The error of a command given a run id the database does not have. */
export function noSuchRun(runId: string, dbPath: string): CliError {
  return new CliError(`no run with id ${runId} in ${dbPath}`);
}
