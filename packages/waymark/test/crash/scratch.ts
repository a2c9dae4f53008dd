/**
 * A crash test's scratch space: a temp dir with an empty ledger file and a SQLite database
 * migrated here first (so the processes under test never race to create the schema). The
 * files are removed after a test that called `passed()`; a failed test keeps them for
 * inspection.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqliteStore, type SqliteStore } from '../../src/storage/sqlite/index.ts';

export interface CrashScratch {
  dir: string;
  dbPath: string;
  ledgerPath: string;
  store: SqliteStore;
  /** Marks the test passed: its files are removed at cleanup. */
  passed(): void;
}

export async function crashScratch(
  prefix: string,
  register: (cleanup: () => Promise<void> | void) => void,
): Promise<CrashScratch> {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const dbPath = path.join(dir, 'waymark.db');
  const ledgerPath = path.join(dir, 'ledger.txt');
  writeFileSync(ledgerPath, '');
  const store = await openSqliteStore({ path: dbPath });
  let passed = false;
  register(() => {
    if (passed) rmSync(dir, { recursive: true, force: true });
  });
  register(() => store.close());
  return { dir, dbPath, ledgerPath, store, passed: () => (passed = true) };
}
