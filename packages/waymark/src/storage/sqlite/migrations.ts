import { readdirSync, readFileSync } from 'node:fs';
import type Database from 'better-sqlite3';
import { StoreError } from '../../core/errors.ts';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
const FILE_NAME = /^(\d{4})_([a-z0-9_]+)\.sql$/;

/** The numbered `.sql` files next to this module, in version order. */
export function loadMigrations(): Migration[] {
  const migrations: Migration[] = [];
  for (const file of readdirSync(MIGRATIONS_DIR)) {
    const match = FILE_NAME.exec(file);
    if (match === null) continue;
    migrations.push({
      version: Number(match[1]),
      name: match[2] as string,
      sql: readFileSync(new URL(file, MIGRATIONS_DIR), 'utf8'),
    });
  }
  migrations.sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) {
      throw new StoreError(
        `SQLite migrations are not numbered 1..n: found ${m.version} at ${i + 1}`,
      );
    }
  });
  return migrations;
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
  db.exec('BEGIN IMMEDIATE');
  try {
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
  }
}
