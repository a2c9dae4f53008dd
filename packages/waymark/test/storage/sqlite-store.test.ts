import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeaseLostError } from '../../src/core/errors.ts';
import { uuidv7 } from '../../src/core/ids.ts';
import type { ClaimedRun, Store } from '../../src/core/store.ts';
import { GroupCommit } from '../../src/storage/sqlite/group-commit.ts';
import { loadMigrations } from '../../src/storage/sqlite/migrations.ts';
import { openSqliteStore, type SqliteStore } from '../../src/storage/sqlite/index.ts';
import { RUN_COLUMNS } from '../../src/storage/sqlite/row-mapping.ts';
import { describeStoreConformance } from '../../src/testing/store-conformance.ts';

const T0 = Date.UTC(2026, 0, 1);

describeStoreConformance('sqlite :memory:', async () => {
  const store = await openSqliteStore({ path: ':memory:' });
  return { store, cleanup: () => store.close() };
});

describeStoreConformance('sqlite file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'waymark-sqlite-'));
  const store = await openSqliteStore({ path: join(dir, `${randomBytes(4).toString('hex')}.db`) });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

let dir: string;
const opened: Store[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'waymark-sqlite-'));
});

afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function open(path = join(dir, 'waymark.db'), busyTimeoutMs?: number) {
  const store = await openSqliteStore({
    path,
    ...(busyTimeoutMs === undefined ? {} : { busyTimeoutMs }),
  });
  opened.push(store);
  return store;
}

function createRun(store: Store, workflowName = 'wf') {
  return store.createRun({
    id: uuidv7(T0),
    workflowName,
    workflowVersion: null,
    input: null,
    now: T0,
    events: [],
  });
}

function migrationRows(path: string) {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT version, name, applied_at FROM schema_migrations').all();
  } finally {
    db.close();
  }
}

describe('SQLite store: opening', () => {
  it('applies each migration once, recorded in schema_migrations', async () => {
    const path = join(dir, 'waymark.db');
    // Opened concurrently, then again later: still one row per migration.
    const stores = await Promise.all([open(path), open(path), open(path)]);
    await Promise.all(stores.map((s) => s.close()));
    await (await open(path)).init();
    expect(migrationRows(path)).toEqual([
      { version: 1, name: 'init', applied_at: expect.any(Number) as number },
      { version: 2, name: 'run_definitions', applied_at: expect.any(Number) as number },
      { version: 3, name: 'nested_definitions', applied_at: expect.any(Number) as number },
      { version: 4, name: 'claim_indexes', applied_at: expect.any(Number) as number },
      { version: 5, name: 'checks_without_in_lists', applied_at: expect.any(Number) as number },
    ]);
  });

  it('reads every column of the runs table (RUN_COLUMNS is complete after all migrations)', async () => {
    const path = join(dir, 'columns.db');
    await open(path);
    const db = new Database(path, { readonly: true });
    const columns = (db.pragma('table_info(runs)') as { name: string }[]).map((c) => c.name);
    db.close();
    expect([...RUN_COLUMNS].sort()).toEqual(columns.sort());
  });

  it('uses WAL and creates the parent directory', async () => {
    const path = join(dir, 'nested', 'deeper', 'waymark.db');
    await open(path);
    const db = new Database(path, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('refuses a database whose schema is newer than the code', async () => {
    const path = join(dir, 'future.db');
    await (await openSqliteStore({ path })).close();
    const db = new Database(path);
    db.prepare(`INSERT INTO schema_migrations VALUES (999, 'from_the_future', 0)`).run();
    db.close();
    const opening = openSqliteStore({ path });
    await expect(opening).rejects.toMatchObject({ name: 'StoreError', code: 'STORE' });
    await expect(opening).rejects.toThrow(/schema version 999.*newer/);
    await expect(opening).rejects.toThrow(path);
  });

  it('reports a file that is not a database as a StoreError naming the path', async () => {
    const path = join(dir, 'garbage.db');
    writeFileSync(path, randomBytes(8192));
    const opening = openSqliteStore({ path });
    await expect(opening).rejects.toMatchObject({ name: 'StoreError', code: 'STORE' });
    await expect(opening).rejects.toThrow(`cannot open SQLite database ${path}`);
  });

  it('reports a path it cannot open as a StoreError naming the path', async () => {
    const path = join(dir, 'a-directory');
    mkdirSync(path);
    await expect(openSqliteStore({ path })).rejects.toMatchObject({
      code: 'STORE',
      message: expect.stringContaining(path) as string,
    });
  });

  it('validates its options', async () => {
    await expect(
      openSqliteStore({ path: ':memory:', synchronous: 'SOMETIMES' as 'FULL' }),
    ).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(openSqliteStore({ path: '' })).rejects.toMatchObject({ code: 'VALIDATION' });
  });
});

describe('SQLite store: two connections on one file', () => {
  it('see each other’s writes and never claim one run twice', async () => {
    const [a, b] = await Promise.all([open(), open()]);
    const runs = await Promise.all(Array.from({ length: 200 }, (_, i) => createRun(i % 2 ? a : b)));
    for (const { run } of runs) {
      expect(await a.getRun({ runId: run.id })).toEqual(run);
      expect(await b.getRun({ runId: run.id })).toEqual(run);
    }
    const claimed: string[] = [];
    for (let round = 0; round < 100 && claimed.length < runs.length; round++) {
      const batches = await Promise.all(
        [a, b, a, b].map((store, i) =>
          store.claimRuns({ workerId: `w${i}`, now: T0, leaseMs: 60_000, limit: 3 }),
        ),
      );
      claimed.push(...batches.flat().map((r) => r.id));
    }
    expect(claimed).toHaveLength(runs.length);
    expect(new Set(claimed).size).toBe(runs.length);
  });

  it('never claim one run twice across real processes, which race to migrate a fresh file', async () => {
    const path = join(dir, 'shared.db');
    const children = Array.from({ length: 3 }, (_, i) => startClaimProcess(path, `p${i}`));
    await Promise.all(children.map((c) => c.ready));
    expect(migrationRows(path)).toHaveLength(loadMigrations().length);
    const creator = await open(path);
    await Promise.all(Array.from({ length: 300 }, () => createRun(creator)));
    for (const c of children) c.go();
    const perProcess = await Promise.all(children.map((c) => c.result));
    const claimed = perProcess.flat();
    expect(claimed).toHaveLength(300);
    expect(new Set(claimed).size).toBe(300);
  });
});

/** A group commit on an in-memory table `t (v)`, and its insert. */
function tableWriter() {
  const db = new Database(':memory:');
  db.exec('CREATE TABLE t (v INTEGER)');
  const writer = new GroupCommit(db, ':memory:');
  return { db, writer, insert: db.prepare('INSERT INTO t VALUES (?)') };
}

function values(db: Database.Database): unknown[] {
  return db.prepare('SELECT v FROM t ORDER BY v').pluck().all();
}

describe('SQLite store: group commit', () => {
  it('commits 500 concurrent writes, failing only the fenced-out one', async () => {
    const store = await open();
    const held = await Promise.all(
      Array.from({ length: 5 }, async (_, i) => {
        await createRun(store, `wf${i}`);
        const [run] = await store.claimRuns({
          workerId: 'w',
          now: T0,
          leaseMs: 60_000,
          limit: 1,
          workflows: [`wf${i}`],
        });
        return run as ClaimedRun;
      }),
    );
    const writes = Array.from({ length: 500 }, (_, i) => {
      const run = held[i % held.length] as ClaimedRun;
      const stale = i === 250;
      return store.saveStep({
        runId: run.id,
        fencingToken: stale ? run.fencingToken - 1 : run.fencingToken,
        step: {
          runId: run.id,
          key: `step#${i}`,
          name: 'step',
          kind: 'run',
          status: 'completed',
          attempt: 1,
          output: i,
          error: null,
          startedAt: T0 + i,
          finishedAt: T0 + i,
          wakeAt: null,
          childRunId: null,
        },
        now: T0,
        events: [{ type: 'step.succeeded', at: T0, stepKey: `step#${i}` }],
      });
    });
    const results = await Promise.allSettled(writes);
    const rejected = results.flatMap((r, i) => (r.status === 'rejected' ? [[i, r.reason]] : []));
    expect(rejected).toEqual([[250, expect.any(LeaseLostError)]]);
    const steps = (await Promise.all(held.map((r) => store.listSteps({ runId: r.id })))).flat();
    expect(steps).toHaveLength(499);
    expect(steps.map((s) => s.output).sort((x, y) => Number(x) - Number(y))).toEqual(
      Array.from({ length: 500 }, (_, i) => i).filter((i) => i !== 250),
    );
  });

  it('rolls back only the closure that threw', async () => {
    const { db, writer, insert } = tableWriter();
    const results = await Promise.allSettled([
      writer.write(() => insert.run(1)),
      writer.write(() => {
        insert.run(2);
        throw new LeaseLostError('stale');
      }),
      writer.write(() => {
        insert.run(3);
        db.prepare('INSERT INTO missing VALUES (1)').run();
      }),
      writer.write(() => insert.run(4)),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(LeaseLostError);
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'STORE' });
    expect(values(db)).toEqual([1, 4]);
    db.close();
  });

  it('replays a batch after a write half-applied and threw: each other write lands once', async () => {
    const { db, writer, insert } = tableWriter();
    const count = db.prepare('SELECT count(*) FROM t').pluck();
    const applied = [0, 0, 0];
    const results = await Promise.allSettled([
      writer.write(() => {
        applied[0]!++;
        insert.run(1);
        return count.get();
      }),
      writer.write(() => {
        applied[1]!++;
        insert.run(2);
        throw new LeaseLostError('stale, after a change');
      }),
      writer.write(() => {
        applied[2]!++;
        insert.run(3);
        return count.get();
      }),
    ]);
    // The first pass stopped at the throw and rolled back; the replay ran each write in its
    // savepoint.
    expect(applied).toEqual([2, 2, 1]);
    expect(results).toEqual([
      { status: 'fulfilled', value: 1 },
      { status: 'rejected', reason: expect.any(LeaseLostError) },
      { status: 'fulfilled', value: 2 },
    ]);
    expect(values(db)).toEqual([1, 3]);
    db.close();
  });

  it('fails the whole batch, writing nothing, when a write loses the transaction silently', async () => {
    const { db, writer, insert } = tableWriter();
    const results = await Promise.allSettled([
      writer.write(() => insert.run(1)),
      // As a closure that swallowed an error SQLite answered by rolling everything back.
      writer.write(() => db.exec('ROLLBACK')),
      writer.write(() => insert.run(3)),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ code: 'STORE' });
    expect(values(db)).toEqual([]);
    expect(db.inTransaction).toBe(false);
    db.close();
  });

  it('fails a checksFirst write on its domain error alone, without a replay', async () => {
    const { db, writer, insert } = tableWriter();
    let applied = 0;
    const results = await Promise.allSettled([
      writer.write(() => {
        applied++;
        insert.run(1);
      }),
      writer.write(
        () => {
          throw new LeaseLostError('stale');
        },
        { checksFirst: true },
      ),
      writer.write(() => {
        applied++;
        insert.run(2);
      }),
    ]);
    expect(applied).toBe(2);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(values(db)).toEqual([1, 2]);
    db.close();
  });

  it('rejects writes with a StoreError while another process holds the write lock', async () => {
    const path = join(dir, 'locked.db');
    const store = await open(path, 50);
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    try {
      await expect(createRun(store)).rejects.toMatchObject({
        code: 'STORE',
        retryable: true,
        message: expect.stringContaining('locked') as string,
      });
    } finally {
      other.exec('COMMIT');
      other.close();
    }
    expect((await createRun(store)).created).toBe(true);
  });

  it('commits queued writes before closing, and refuses writes after', async () => {
    const path = join(dir, 'close.db');
    const store: SqliteStore = await openSqliteStore({ path });
    const pending = createRun(store);
    await store.close();
    const { run } = await pending;
    await expect(createRun(store)).rejects.toMatchObject({ code: 'STORE' });
    expect(await (await open(path)).getRun({ runId: run.id })).toEqual(run);
  });
});

const CLAIM_PROCESS = fileURLToPath(new URL('./sqlite-claim-process.ts', import.meta.url));

function startClaimProcess(path: string, workerId: string) {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CLAIM_PROCESS, path, workerId, String(T0)],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    if (out.startsWith('ready\n')) markReady();
  });
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const result = new Promise<string[]>((resolve, reject) => {
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`claim process exited ${code}: ${err}`));
      resolve(JSON.parse(out.slice('ready\n'.length)) as string[]);
    });
  });
  // A process that dies before "ready" must fail the test, not hang it.
  const readyOrExit = Promise.race([ready, result.then(() => undefined)]);
  return { ready: readyOrExit, result, go: () => child.stdin.end('go\n') };
}
