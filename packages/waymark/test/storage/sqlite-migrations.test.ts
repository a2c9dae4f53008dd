import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/core/ids.ts';
import { applyMigrations, loadMigrations } from '../../src/storage/sqlite/migrations.ts';
import { openSqliteStore, type SqliteStore } from '../../src/storage/sqlite/index.ts';
import { tempDir } from '../temp-dir.ts';

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

describe('SQLite migration 4: steps and events clustered by run', () => {
  const runId = uuidv7(T0);

  function seedV3(db: Database.Database): void {
    db.prepare(
      `INSERT INTO runs (id, workflow_name, status, created_at, updated_at, wake_at)
       VALUES (?, 'wf', 'pending', ?, ?, ?)`,
    ).run(runId, T0, T0, T0);
    // Keys inserted out of alphabetical order: the old rowid order must survive.
    const step = db.prepare(
      `INSERT INTO steps (run_id, key, name, kind, status, attempt, output, started_at, finished_at)
       VALUES (?, ?, ?, 'run', 'completed', 1, ?, ?, ?)`,
    );
    step.run(runId, 'zeta#0', 'zeta', '1', T0, T0);
    step.run(runId, 'alpha#0', 'alpha', '2', T0, T0);
    const event = db.prepare(
      `INSERT INTO events (run_id, type, step_key, attempt, at, data) VALUES (?, ?, ?, ?, ?, '{}')`,
    );
    event.run(runId, 'run.created', null, null, T0);
    event.run(runId, 'step.completed', 'zeta#0', 1, T0);
    event.run(runId, 'step.completed', 'alpha#0', 1, T0);
    event.run(runId, 'step.log', 'alpha#0', 1, T0);
    // AUTOINCREMENT never reuses the seq of a deleted event; neither may the new counter.
    db.prepare(`DELETE FROM events WHERE type = 'step.log'`).run();
  }

  it('keeps every step in first-recorded order and every event with its seq', async () => {
    const store = await open(databaseAt(3, seedV3));
    const steps = await store.listSteps({ runId });
    expect(steps.map((s) => [s.key, s.output])).toEqual([
      ['zeta#0', 1],
      ['alpha#0', 2],
    ]);
    const events = await store.listEvents({ runId });
    expect(events.map((e) => [e.seq, e.type, e.stepKey])).toEqual([
      [1, 'run.created', null],
      [2, 'step.completed', 'zeta#0'],
      [3, 'step.completed', 'alpha#0'],
    ]);
    expect(await store.listEvents({ runId, afterSeq: 2 })).toHaveLength(1);
  });

  it('hands out seqs past every one used before, deleted events included', async () => {
    const store = await open(databaseAt(3, seedV3));
    await store.appendEvents({ runId, events: [{ type: 'run.resume_requested', at: T0 }] });
    const last = (await store.listEvents({ runId })).at(-1);
    expect(last).toMatchObject({ seq: 5, type: 'run.resume_requested' });
  });

  it('lists a step recorded after the upgrade after the older ones', async () => {
    const store = await open(databaseAt(3, seedV3));
    const [claimed] = await store.claimRuns({ workerId: 'w', now: T0, leaseMs: 1000, limit: 1 });
    await store.saveStep({
      runId,
      fencingToken: claimed?.fencingToken ?? 0,
      now: T0,
      step: {
        runId,
        key: 'beta#0',
        name: 'beta',
        kind: 'run',
        status: 'completed',
        attempt: 1,
        output: 3,
        error: null,
        startedAt: T0,
        finishedAt: T0,
        wakeAt: null,
        childRunId: null,
      },
      events: [],
    });
    const steps = await store.listSteps({ runId });
    expect(steps.map((s) => s.key)).toEqual(['zeta#0', 'alpha#0', 'beta#0']);
  });

  it('leaves behind the steps and events of runs deleted by hand, without failing', async () => {
    const path = databaseAt(3, (db) => {
      seedV3(db);
      // Pruned in the sqlite3 shell, which runs without foreign keys.
      db.pragma('foreign_keys = OFF');
      db.prepare(
        `INSERT INTO steps (run_id, key, name, kind, status, attempt, started_at)
        VALUES ('gone', 'a#0', 'a', 'run', 'completed', 1, 0)`,
      ).run();
      db.prepare(
        `INSERT INTO events (run_id, type, at, data) VALUES ('gone', 'run.created', 0, '{}')`,
      ).run();
    });
    const store = await open(path);
    expect(await store.listSteps({ runId: 'gone' })).toEqual([]);
    expect(await store.listEvents({ runId: 'gone' })).toEqual([]);
    expect(await store.listSteps({ runId })).toHaveLength(2);
    // The orphan event's seq (5) is not handed out again either.
    await store.appendEvents({ runId, events: [{ type: 'run.resume_requested', at: T0 }] });
    expect((await store.listEvents({ runId })).at(-1)?.seq).toBe(6);
  });

  it('lists runs by status from an index, newest first', async () => {
    const path = databaseAt(3, () => undefined);
    await (await open(path)).close();
    const db = new Database(path, { readonly: true });
    const plan = db
      .prepare(
        `EXPLAIN QUERY PLAN SELECT id FROM runs WHERE status IN (SELECT value FROM json_each(?)) ORDER BY id DESC LIMIT 5`,
      )
      .all('["failed"]') as { detail: string }[];
    db.close();
    expect(plan.map((p) => p.detail).join(' | ')).toContain('runs_status_idx');
  });

  it('leaves the tables clustered by run, without a rowid', async () => {
    const path = databaseAt(3, () => undefined);
    await (await open(path)).close();
    const db = new Database(path, { readonly: true });
    const ddl = (name: string) =>
      db.prepare(`SELECT sql FROM sqlite_schema WHERE name = ?`).pluck().get(name) as string;
    expect(ddl('steps')).toMatch(/PRIMARY KEY \(run_id, key\)\s*\) WITHOUT ROWID/);
    expect(ddl('events')).toMatch(/PRIMARY KEY \(run_id, seq\)\s*\) WITHOUT ROWID/);
    expect(ddl('events_run_idx')).toBeUndefined();
    db.close();
  });
});
