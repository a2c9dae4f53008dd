import { readdirSync, readFileSync } from 'node:fs';
import { StoreError } from '../../core/errors.ts';
import { type Migration, numberedMigrations } from '../../core/numbered-migrations.ts';
import type { ClientQueries } from './connection.ts';
import { redactUrl, type ResolvedPostgresOptions } from './options.ts';

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);

/** The numbered `.sql` files next to this module, in version order. */
export function loadMigrations(): Migration[] {
  return numberedMigrations(
    readdirSync(MIGRATIONS_DIR),
    (file) => readFileSync(new URL(file, MIGRATIONS_DIR), 'utf8'),
    'PostgreSQL',
  );
}

/**
 * Applies pending migrations in one transaction that first takes a transaction-level
 * advisory lock keyed by the schema name. Twenty processes starting at once queue on that
 * lock: the first creates the schema and applies every migration, the others then read the
 * version it committed and find nothing left to do. The lock is the only coordination, so it
 * works before the schema, or any table to lock, exists.
 */
export async function applyMigrations(
  client: ClientQueries,
  options: ResolvedPostgresOptions,
  migrations: Migration[],
): Promise<void> {
  const { schema } = options;
  const latest = migrations.at(-1)?.version ?? 0;
  await client.exec('BEGIN');
  try {
    await client.query(lockStatement, [`waymark migrations ${schema}`]);
    const [exists] = await client.query<{ found: boolean }>(tableExists, [schema]);
    if (exists?.found !== true) {
      if (!options.createSchema) {
        throw new StoreError(
          `no Waymark schema "${schema}" in ${redactUrl(options.url)} (nothing was ever recorded there)`,
          { details: { schema } },
        );
      }
      await client.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await client.exec(`CREATE TABLE ${schema}.schema_migrations (
        version    integer PRIMARY KEY,
        name       text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT clock_timestamp()
      )`);
    }
    // Unqualified names (here and in the migrations) mean this schema, whatever the
    // connection's search path says.
    await client.exec(`SET LOCAL search_path TO ${schema}`);
    const [row] = await client.query<{ version: number | null }>(currentVersion);
    const current = row?.version ?? 0;
    if (current > latest) {
      throw new StoreError(
        `PostgreSQL schema "${schema}" has version ${current}, newer than this Waymark knows ` +
          `(${latest}); upgrade Waymark to use it`,
        { details: { schema, version: current, supported: latest } },
      );
    }
    for (const migration of migrations) {
      if (migration.version <= current) continue;
      await client.exec(migration.sql);
      await client.query(recordMigration, [migration.version, migration.name]);
    }
    await client.exec('COMMIT');
  } catch (error) {
    await client.exec('ROLLBACK').catch(() => {});
    throw error;
  }
}

// Unnamed: a named statement's plan would outlive the tables it was planned against.
const lockStatement = {
  text: `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
};
const tableExists = {
  text: `SELECT to_regclass(quote_ident($1) || '.schema_migrations') IS NOT NULL AS found`,
};
const currentVersion = {
  text: `SELECT MAX(version) AS version FROM schema_migrations`,
};
const recordMigration = {
  text: `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`,
};
