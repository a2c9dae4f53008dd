import { existsSync } from 'node:fs';
import type { Store } from '../core/store.ts';
import { openSqliteStore } from '../storage/sqlite/index.ts';
import { CliError } from './cli-error.ts';

export type CliStore = Store & { close(): Promise<void> };

/**
 * Opens the SQLite database. `create: false` (the read-only commands) refuses a missing file
 * instead of creating an empty database as a side effect of `waymark status`.
 */
export async function openCliStore(path: string, options: { create: boolean }): Promise<CliStore> {
  if (!options.create && path !== ':memory:' && !existsSync(path)) {
    throw new CliError(`no database at ${path} (start a run first, or pass --db <path>)`);
  }
  return openSqliteStore({ path });
}

/** Runs `fn` with an open store and closes it afterwards, whatever happens. */
export async function withStore<T>(
  path: string,
  options: { create: boolean },
  fn: (store: CliStore) => Promise<T>,
): Promise<T> {
  const store = await openCliStore(path, options);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}
