/**
 * What the PostgreSQL store does beyond the Store conformance suite: migrations raced by many
 * processes, lease expiry on the database clock, LISTEN/NOTIFY wake-ups with polling as the
 * fallback, a bounded pool that fails clearly, and a batch that isolates the write that
 * broke it.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { uuidv7 } from '../../src/core/ids.ts';
import { createEngine, defineWorkflow, type Engine } from '../../src/index.ts';
import { openPostgresStore, type PostgresStore } from '../../src/storage/postgres/index.ts';
import { TrackedProcess, killAllProcesses } from '../crash/tracked-process.ts';
import { waitFor } from '../until.ts';
import {
  describePostgres,
  dropSchema,
  randomSchemaName,
  useTestSchema,
  withAdminClient,
} from './postgres-test-db.ts';

const MIGRATE_SCRIPT = fileURLToPath(new URL('./postgres-migrate-process.ts', import.meta.url));
const PACKAGE_DIR = fileURLToPath(new URL('../../', import.meta.url));

let cleanup: Array<() => Promise<unknown> | void> = [];
afterEach(async () => {
  await killAllProcesses();
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

class MigrateProcess extends TrackedProcess {
  stdout = '';
  constructor(url: string, schema: string, name: string) {
    super(
      spawn(process.execPath, ['--import', 'tsx', MIGRATE_SCRIPT, url, schema], {
        cwd: PACKAGE_DIR,
        stdio: ['pipe', 'pipe', 'pipe'],
      }),
      name,
    );
    this.child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
  }
}

const run = (workflowName: string, now = Date.now()) => ({
  id: uuidv7(now),
  workflowName,
  workflowVersion: null,
  input: null,
  now,
  events: [],
});

describePostgres('PostgreSQL store', (url) => {
  const db = useTestSchema(url, 'wm_specifics');

  async function open(options: Parameters<typeof db.open>[0] = {}): Promise<PostgresStore> {
    const store = await db.open(options);
    cleanup.push(() => store.close());
    return store;
  }

  it('applies the migrations exactly once when 10 processes race to open a new schema', async () => {
    const schema = randomSchemaName('wm_race');
    cleanup.push(() => dropSchema(url, schema));
    const processes = Array.from(
      { length: 10 },
      (_, i) => new MigrateProcess(url, schema, `migrate-${i}`),
    );
    const describe = () => processes.map((p) => `${p.name}: ${p.stdout} ${p.stderr}`).join('\n');
    // Released together once all have loaded, so their migrations really race.
    await waitFor('all to load', () => processes.every((p) => p.stdout.includes('ready')), 90_000);
    for (const p of processes) p.child.stdin?.write('go\n');
    const exits = await Promise.all(processes.map((p) => p.waitForExit(60_000)));
    expect(exits, describe()).toEqual(processes.map(() => ({ code: 0, signal: null })));
    await withAdminClient(url, async (client) => {
      const { rows } = await client.query(
        `SELECT version, name FROM ${schema}.schema_migrations ORDER BY version`,
      );
      expect(rows).toEqual([
        { version: 1, name: 'init' },
        { version: 2, name: 'nested_definitions' },
      ]);
      const tables = await client.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1
         ORDER BY table_name`,
        [schema],
      );
      expect(tables.rows.map((r: { table_name: string }) => r.table_name)).toEqual([
        'events',
        'runs',
        'schema_migrations',
        'steps',
      ]);
    });
    // Ten Node processes loading TypeScript take a while on a busy 2-core machine.
  }, 180_000);

  it('refuses a schema newer than the code, and a missing one when told not to create it', async () => {
    const schema = randomSchemaName('wm_future');
    cleanup.push(() => dropSchema(url, schema));
    await (await openPostgresStore({ url, schema, notifications: false })).close();
    await withAdminClient(url, (client) =>
      client.query(`INSERT INTO ${schema}.schema_migrations (version, name) VALUES (999, 'x')`),
    );
    await expect(openPostgresStore({ url, schema })).rejects.toThrow(/version 999, newer/);
    await expect(
      openPostgresStore({ url, schema: randomSchemaName('wm_absent'), createSchema: false }),
    ).rejects.toThrow(/no Waymark schema "wm_absent_[0-9a-f]+"/);
  });

  it('decides lease expiry on the database clock, whatever time the caller passes', async () => {
    await db.reset();
    const store = await open({ leaseClock: 'database' });
    const [dbNow] = (
      await withAdminClient(url, (c) =>
        c.query<{ ms: string }>(`SELECT floor(extract(epoch FROM clock_timestamp()) * 1000) AS ms`),
      )
    ).rows;
    // The caller's clock is a year behind: its `now` does not set or end the lease.
    const callerNow = Number(dbNow?.ms) - 365 * 24 * 3_600_000;
    const created = (await store.createRun(run('clocked', callerNow))).run;
    const [held] = await store.claimRuns({
      workerId: 'a',
      now: callerNow,
      leaseMs: 3_000,
      limit: 1,
      workflows: ['clocked'],
    });
    expect(held?.id).toBe(created.id);
    expect(held?.leaseExpiresAt).toBeGreaterThanOrEqual(Number(dbNow?.ms) + 3_000);
    // A caller far in the future cannot take it while the database says the lease holds…
    const later = { workerId: 'b', leaseMs: 3_000, limit: 1, workflows: ['clocked'] };
    expect(await store.claimRuns({ ...later, now: callerNow + 3_600_000 })).toEqual([]);
    // …and once the database clock passed it, a caller whose clock is behind takes it over.
    let reclaimed: Awaited<ReturnType<PostgresStore['claimRuns']>> = [];
    await waitFor(
      'the lease to expire on the database clock',
      async () => (reclaimed = await store.claimRuns({ ...later, now: callerNow })).length > 0,
      15_000,
      50,
    );
    expect(reclaimed[0]).toMatchObject({ id: created.id, recovered: true, leaseOwner: 'b' });
  });

  it('wakes an idle worker in another process at once when a run becomes due (NOTIFY)', async () => {
    await db.reset();
    const wf = defineWorkflow({ name: 'notified' }, async (ctx) => ctx.step('s', () => 'done'));
    const store = await open({ leaseClock: 'database', applicationName: 'worker-notified' });
    const worker = await startEngine(store, wf, {
      // Polling alone would take an hour: only a notification can wake this worker.
      pollMs: 3_600_000,
    });
    await waitFor('the worker to listen', () => listening(url, 'worker-notified'), 10_000, 20);
    const { client, runId } = await runElsewhere(wf);
    expect((await client.history(runId)).find((e) => e.type === 'run.started')?.data).toEqual({
      worker: 'worker-notified',
      recoveryCount: 0,
    });
    await worker.stop();
  });

  it('still finds due work by polling when notifications are lost, and listens again', async () => {
    await db.reset();
    const wf = defineWorkflow({ name: 'polled' }, async (ctx) => ctx.step('s', () => 'done'));
    const store = await open({ leaseClock: 'database', applicationName: 'worker-polled' });
    const worker = await startEngine(store, wf, { pollMs: 100 });
    await waitFor('the worker to listen', () => listening(url, 'worker-polled'), 10_000, 20);
    // The LISTEN connection dies: notifications sent now reach nobody.
    await withAdminClient(url, (c) =>
      c.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = 'worker-polled:listen'`,
      ),
    );
    await runElsewhere(wf);
    // The next claim rounds opened the LISTEN connection again.
    await waitFor('the worker to listen again', () => listening(url, 'worker-polled'), 10_000, 20);
    await worker.stop();
  });

  it('bounds its pool: a query that finds no free connection fails clearly instead of hanging', async () => {
    await db.reset();
    const store = await open({
      poolSize: 1,
      connectTimeoutMs: 200,
      notifications: false,
      applicationName: 'wm-one-connection',
    });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // A write holding the only connection (inside its batch transaction) until released.
    const holding = store.write(() => held, 'all');
    await waitFor('the write to take the connection', () => busy(url, store), 5_000, 10);
    await expect(store.getRun({ runId: 'x' })).rejects.toMatchObject({
      code: 'STORE',
      retryable: true,
      message: expect.stringMatching(/all 1 connections of the pool are busy/) as string,
    });
    release();
    await holding;
    expect(await store.getRun({ runId: 'x' })).toBeNull();
  });

  it("keeps batches of other runs in flight while one waits, and each run's writes in order", async () => {
    await db.reset();
    const store = await open({ notifications: false });
    const started: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const write = (
      name: string,
      order: Parameters<PostgresStore['write']>[1],
      wait?: Promise<void>,
    ) =>
      store.write(async () => {
        started.push(name);
        await wait;
      }, order);
    // Run a's first write holds its batch's transaction open.
    const a1 = write('a1', { runs: ['a'] }, held);
    await waitFor('a1 to start', () => started.includes('a1'), 5_000, 5);
    const a2 = write('a2', { runs: ['a'] });
    const b1 = write('b1', { runs: ['b'] });
    const claim = write('claim', 'any');
    // Another run's write and an unordered one commit while a1 is still in flight …
    await Promise.all([b1, claim]);
    // … but a's next write, and a barrier, wait for it.
    const barrier = write('barrier', 'all');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(started).toEqual(['a1', 'b1', 'claim']);
    release();
    await Promise.all([a1, a2, barrier]);
    expect(started).toEqual(['a1', 'b1', 'claim', 'a2', 'barrier']);
  });

  it("keeps a child's end in order with its parent's writes (it writes the parent's step)", async () => {
    await db.reset();
    const store = await open({ notifications: false });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let parentStarted = false;
    const parentWrite = store.write(
      async () => {
        parentStarted = true;
        await held;
      },
      { runs: ['parent-run'] },
    );
    await waitFor('the parent write to start', () => parentStarted, 5_000, 5);
    let endSettled = false;
    const childEnd = store
      .completeRun({
        runId: 'child-run',
        parentRunId: 'parent-run',
        fencingToken: 1,
        output: 1,
        now: Date.now(),
        events: [],
      })
      .catch(() => undefined)
      .finally(() => (endSettled = true));
    // Another run's write commits meanwhile: the pipeline is free, the child's end waits.
    await store.write(async () => undefined, { runs: ['other-run'] });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(endSettled).toBe(false);
    release();
    await Promise.all([parentWrite, childEnd]);
    expect(endSettled).toBe(true);
  });

  it('fails only the write that broke a batch; the others in it commit', async () => {
    await db.reset();
    const store = await open({ notifications: false });
    const results = await Promise.allSettled([
      store.createRun(run('ok')),
      // A parent that does not exist: the foreign key rejects it, aborting the transaction.
      store.createRun({ ...run('broken'), parentRunId: 'no-such-run' }),
      store.createRun(run('ok')),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'STORE' });
    expect((await store.listRuns({})).runs.map((r) => r.workflowName)).toEqual(['ok', 'ok']);
  });

  it('reports an unreachable server and bad options clearly, never with the password', async () => {
    const opening = openPostgresStore({
      url: 'postgres://someone:s3cret-pw@127.0.0.1:1/nowhere',
      connectTimeoutMs: 2_000,
    });
    await expect(opening).rejects.toMatchObject({ code: 'STORE' });
    await expect(opening).rejects.toThrow(
      /cannot connect to PostgreSQL at postgres:\/\/someone:\*\*\*@/,
    );
    await expect(opening).rejects.not.toThrow(/s3cret-pw/);
    await expect(openPostgresStore({ url, schema: 'Bad-Name' })).rejects.toMatchObject({
      code: 'VALIDATION',
    });
    await expect(openPostgresStore({ url: 'mysql://x' })).rejects.toMatchObject({
      code: 'VALIDATION',
    });
  });

  /** Starts a run from a client engine (no worker) and waits until some worker completed it. */
  async function runElsewhere(
    workflow: ReturnType<typeof defineWorkflow>,
  ): Promise<{ client: Engine; runId: string }> {
    const client = createEngine({ store: await open(), worker: false });
    cleanup.push(() => client.stop());
    const { id } = await client.start(workflow, null);
    await waitFor(
      'the run to end',
      async () => (await client.getRun(id))?.status === 'completed',
      20_000,
      20,
    );
    return { client, runId: id };
  }

  async function startEngine(
    store: PostgresStore,
    workflow: ReturnType<typeof defineWorkflow>,
    options: { pollMs: number },
  ): Promise<Engine> {
    const engine = createEngine({
      store,
      workflows: [workflow],
      worker: { workerId: `worker-${workflow.name}`, ...options, shutdownGraceMs: 0 },
    });
    cleanup.push(() => engine.stop());
    return engine;
  }
});

/** Whether a connection named `application` exists that matches `condition` (SQL on pg_stat_activity). */
async function hasConnection(
  url: string,
  application: string,
  condition: string,
): Promise<boolean> {
  return withAdminClient(url, async (c) => {
    const { rows } = await c.query(
      `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND ${condition}`,
      [application],
    );
    return rows.length > 0;
  });
}

/** Whether the store of `workerId` has its LISTEN connection open. */
function listening(url: string, workerId: string): Promise<boolean> {
  return hasConnection(url, `${workerId}:listen`, `query LIKE 'LISTEN%'`);
}

/** Whether the store's only connection is inside a transaction. */
function busy(url: string, store: PostgresStore): Promise<boolean> {
  return hasConnection(url, store.options.applicationName, `state LIKE 'idle in transaction%'`);
}
