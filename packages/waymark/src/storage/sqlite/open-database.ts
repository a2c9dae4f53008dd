import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { StoreError, ValidationError } from '../../core/errors.ts';

export type SynchronousMode = 'FULL' | 'NORMAL' | 'OFF';

export interface SqliteStoreOptions {
  /** A file path, or `':memory:'` for a private in-memory database. */
  path: string;
  /** `FULL` (default): a resolved write survives power loss, not only a process crash. */
  synchronous?: SynchronousMode;
  /** How long a writer waits for another process's write lock (default 5000). */
  busyTimeoutMs?: number;
}

export interface ResolvedSqliteOptions {
  path: string;
  synchronous: SynchronousMode;
  busyTimeoutMs: number;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;

export function resolveSqliteOptions(options: SqliteStoreOptions): ResolvedSqliteOptions {
  const issues: { path: string; message: string }[] = [];
  if (typeof options.path !== 'string' || options.path === '') {
    issues.push({ path: 'path', message: 'must be a file path or ":memory:"' });
  }
  const synchronous = options.synchronous ?? 'FULL';
  if (!['FULL', 'NORMAL', 'OFF'].includes(synchronous)) {
    issues.push({ path: 'synchronous', message: 'must be FULL, NORMAL or OFF' });
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    issues.push({ path: 'busyTimeoutMs', message: 'must be a non-negative integer' });
  }
  if (issues.length > 0) throw new ValidationError('invalid SQLite store options', issues);
  return { path: options.path, synchronous, busyTimeoutMs };
}

function isMemoryPath(path: string): boolean {
  return path === ':memory:';
}

/**
 * Opens the connection and sets its pragmas. SQLite opens files lazily, so a file that is
 * not a database only fails at the first statement: every failure here, including that one,
 * becomes a StoreError naming the path.
 */
export function openDatabase(options: ResolvedSqliteOptions): Database.Database {
  const { path } = options;
  let db: Database.Database | undefined;
  try {
    if (!isMemoryPath(path)) mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
    // The busy timeout first: switching to WAL needs a lock another process may hold.
    db.pragma(`busy_timeout = ${options.busyTimeoutMs}`);
    if (!isMemoryPath(path)) {
      const mode = db.pragma('journal_mode = WAL', { simple: true }) as string;
      if (mode.toLowerCase() !== 'wal') {
        throw new StoreError(`SQLite refused WAL journal mode (got ${mode})`);
      }
    }
    db.pragma(`synchronous = ${options.synchronous}`);
    db.pragma('foreign_keys = ON');
    return db;
  } catch (error) {
    db?.close();
    throw openError(path, error);
  }
}

export function openError(path: string, error: unknown): StoreError {
  if (error instanceof StoreError) return error;
  return sqliteError(`cannot open SQLite database ${path}`, path, error);
}

/** A SQLite failure as a StoreError naming the database; SQLITE_BUSY is retryable. */
export function sqliteError(what: string, path: string, error: unknown): StoreError {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | null)?.code;
  return new StoreError(`${what}: ${message}`, {
    cause: error,
    details: { path, ...(typeof code === 'string' ? { sqliteCode: code } : {}) },
    retryable: code === 'SQLITE_BUSY',
  });
}
