import { readdirSync, readFileSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { StoreError } from '../../core/errors.ts';
import { type Migration, numberedMigrations } from '../../core/numbered-migrations.ts';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

/** The numbered `.sql` files next to this module, in version order. */
export function loadMigrations(): Migration[] {
  return numberedMigrations(
    readdirSync(MIGRATIONS_DIR),
    (file) => readFileSync(new URL(file, MIGRATIONS_DIR), 'utf8'),
    'SQLite',
  );
}

/**
 * Applies pending migrations. Everything, including reading the current version, happens
 * under `BEGIN IMMEDIATE`: the write lock is taken before the version is read, so when
 * several processes open a fresh file at once, the first applies each migration and the
 * others wait (busy timeout) and then find nothing left to do.
 */
export function applyMigrations(
  db: Database.Database,
  path: string,
  migrations: Migration[],
): void {
  const latest = migrations.at(-1)?.version ?? 0;
  try {
    // Defensive mode forbids writing sqlite_schema, which 0005 does (see its comment).
    db.unsafeMode(true);
    db.exec('BEGIN IMMEDIATE');
    db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version    INTEGER PRIMARY KEY,
      name       TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    )`);
    const row = db.prepare('SELECT MAX(version) AS version FROM schema_migrations').get() as {
      version: number | null;
    };
    const current = row.version ?? 0;
    if (current > latest) {
      throw new StoreError(
        `SQLite database ${path} has schema version ${current}, newer than this Waymark ` +
          `knows (${latest}); upgrade Waymark to open it`,
        { details: { path, version: current, supported: latest } },
      );
    }
    const record = db.prepare(
      `INSERT INTO schema_migrations (version, name, applied_at)
       VALUES (?, ?, CAST(unixepoch('subsec') * 1000 AS INTEGER))`,
    );
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      db.exec(migration.sql);
      record.run(migration.version, migration.name);
    }
    db.exec('COMMIT');
  } catch (error) {
    if (db.inTransaction) db.exec('ROLLBACK');
    throw error;
  } finally {
    db.unsafeMode(false);
  }
}
