import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/core/ids.ts';
import { applyMigrations, loadMigrations } from '../../src/storage/sqlite/migrations.ts';
import { openSqliteStore, type SqliteStore } from '../../src/storage/sqlite/index.ts';
import { prepareStatements, type Statements } from '../../src/storage/sqlite/statements.ts';
import { tempDir } from '../temp-dir.ts';
import { opcodes, queryPlan } from './sqlite-explain.ts';

const T0 = Date.UTC(2026, 0, 1);
const opened: SqliteStore[] = [];

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

/** A database left by a Waymark that knew migrations 1..version, with `seed` written in it. */
function databaseAt(version: number, seed: (db: Database.Database) => void): string {
  const path = join(tempDir('waymark-migrations-'), 'old.db');
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  applyMigrations(db, path, loadMigrations().slice(0, version));
  seed(db);
  db.close();
  return path;
}

async function open(path: string): Promise<SqliteStore> {
  const store = await openSqliteStore({ path });
  opened.push(store);
  return store;
}

/** The query plans of `path`'s statements, as the store prepares them. */
function plans(path: string, check: (plan: (sql: string) => string, sql: Statements) => void) {
  const db = new Database(path, { readonly: true });
  try {
    check((sql) => queryPlan(db, sql), prepareStatements(db));
  } finally {
    db.close();
  }
}

describe('SQLite migration 4: claim indexes of the work in flight, and one by status', () => {
  it('keeps the runs of an older database claimable: due, expired and ended ones', async () => {
    const due = uuidv7(T0);
    const expired = uuidv7(T0 + 1);
    const ended = uuidv7(T0 + 2);
    const path = databaseAt(3, (db) => {
      const insert = db.prepare(
        `INSERT INTO runs (id, workflow_name, status, created_at, updated_at, wake_at,
           lease_owner, lease_expires_at, fencing_token)
         VALUES (?, 'wf', ?, ?, ?, ?, ?, ?, ?)`,
      );
      insert.run(due, 'pending', T0, T0, T0, null, null, 0);
      insert.run(expired, 'running', T0, T0, null, 'dead', T0 + 10, 1);
      insert.run(ended, 'completed', T0, T0, null, null, null, 1);
    });
    const store = await open(path);
    const claimed = await store.claimRuns({
      workerId: 'w',
      now: T0 + 1_000,
      leaseMs: 1_000,
      limit: 10,
    });
    expect(claimed.map((r) => [r.id, r.recovered]).sort()).toEqual(
      [
        [due, false],
        [expired, true],
      ].sort(),
    );
    const listed = await store.listRuns({ status: 'completed' });
    expect(listed.runs.map((r) => r.id)).toEqual([ended]);
  });

  it('claims from the partial indexes and lists by status from runs_status_idx', async () => {
    const path = databaseAt(3, () => undefined);
    await (await open(path)).close();
    plans(path, (plan, sql) => {
      expect(plan(sql.dueParked.source)).toContain('runs_due_idx');
      expect(plan(sql.expiredLeases.source)).toContain('runs_lease_idx');
      // As RunLister builds it for `waymark list --status`.
      const byStatus = `SELECT id FROM runs WHERE status IN (SELECT value FROM json_each(@statuses))
        ORDER BY id DESC LIMIT @limit`;
      expect(plan(byStatus)).toContain('runs_status_idx');
    });
  });
});

const INSERT_RUN = `INSERT INTO runs (id, workflow_name, status, created_at, updated_at)
  VALUES ('x', 'wf', 'pending', 0, 0)`;
const END_RUN = `UPDATE runs SET status = 'completed', paused_from = NULL WHERE id = 'x'`;

describe('SQLite migration 5: the runs CHECK constraints without IN lists', () => {
  it('rewrites the constraints of an older database, which still hold and still reject', async () => {
    const run = uuidv7(T0);
    const path = databaseAt(4, (db) => {
      db.prepare(
        `INSERT INTO runs (id, workflow_name, status, created_at, updated_at, paused_from)
         VALUES (?, 'wf', 'paused', ?, ?, 'sleeping')`,
      ).run(run, T0, T0);
    });
    // A connection opened before the migration, with the old constraints parsed.
    const before = new Database(path);
    expect(opcodes(before, INSERT_RUN)).toContain('OpenEphemeral');
    const store = await open(path);
    expect((await store.getRun({ runId: run }))?.status).toBe('paused');

    const sql = before
      .prepare(`SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'runs'`)
      .pluck()
      .get() as string;
    expect(sql).not.toMatch(/ IN\b/);
    expect(sql).toContain(`status = 'cancelled'`);
    expect(sql).toContain(`paused_from = 'waiting'`);
    // The schema cookie changed, so the older connection re-reads the new text too.
    expect(opcodes(before, INSERT_RUN)).not.toContain('OpenEphemeral');
    expect(opcodes(before, END_RUN)).not.toContain('OpenEphemeral');
    expect(before.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(() => before.prepare(`UPDATE runs SET status = 'lost' WHERE id = ?`).run(run)).toThrow(
      /CHECK constraint failed/,
    );
    expect(() =>
      before.prepare(`UPDATE runs SET paused_from = 'running' WHERE id = ?`).run(run),
    ).toThrow(/CHECK constraint failed/);
    before.close();
  });
});
