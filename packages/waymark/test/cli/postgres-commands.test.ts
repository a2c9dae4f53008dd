/**
 * The CLI on PostgreSQL: `--db postgres://…` and `WAYMARK_DB` select the store in every
 * command (a password never shows in the output), and `waymark migrate` copies a SQLite
 * database into PostgreSQL intact, or refuses, copying nothing, when runs would clash.
 */
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Store } from '../../src/core/store.ts';
import { defineWorkflow, NonRetryableError } from '../../src/index.ts';
import { openPostgresStore } from '../../src/storage/postgres/index.ts';
import { openSqliteStore } from '../../src/storage/sqlite/index.ts';
import { createTestEngine } from '../../src/testing/test-engine.ts';
import { describePostgres, dropSchema, randomSchemaName } from '../storage/postgres-test-db.ts';
import { CliHarness, cli, makeScratchDir, runIdOf, writeFixture } from './cli-harness.ts';
import { BASIC_WORKFLOW } from './fixtures.ts';

let scratch: ReturnType<typeof makeScratchDir>;
const schemas: string[] = [];
beforeEach(() => {
  scratch = makeScratchDir();
});
afterEach(async () => {
  scratch.cleanup();
  for (const schema of schemas.splice(0)) await dropSchema(testUrl(), schema);
});

let testUrl = (): string => '';

/** The test database with a made-up password (trust auth ignores it) and a fresh schema. */
function dbUrl(url: string): { db: string; schema: string; password: string } {
  const schema = randomSchemaName('wm_cli');
  schemas.push(schema);
  const password = 'pw-must-not-show';
  const db = `${url.replace(/^postgres(ql)?:\/\/([^:@/]+)@/, `postgres://$2:${password}@`)}?schema=${schema}`;
  return { db, schema, password };
}

describePostgres('waymark CLI on PostgreSQL', (url) => {
  testUrl = () => url;

  it('runs, lists and shows runs in a postgres:// database (--db or WAYMARK_DB), never showing the password', async () => {
    writeFixture(scratch.dir, 'basic.workflow.ts', BASIC_WORKFLOW);
    const { db, password } = dbUrl(url);
    const run = await cli(
      scratch.dir,
      'run',
      'basic.workflow.ts',
      '--input-json',
      '{"name":"Ada","count":2}',
      '--db',
      db,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('(db postgres://postgres:***@');
    const runId = runIdOf(run.stdout);
    const env = new CliHarness(scratch.dir, { WAYMARK_DB: db });
    const list = await env.run('list');
    expect(list.stdout).toMatch(new RegExp(`${runId}\\s+basic\\s+completed`));
    const status = await env.run('status', runId, '--json');
    expect(JSON.parse(status.stdout)).toMatchObject({
      run: { id: runId, status: 'completed', output: { greeting: 'hi Ada', doubled: 4 } },
    });
    const history = await env.run('history', runId);
    expect(history.stdout).toContain('run.completed');
    const missing = await env.run('status', '00000000-0000-7000-8000-000000000000');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('postgres://postgres:***@');
    for (const output of [run, list, status, history, missing]) {
      expect(output.stdout + output.stderr).not.toContain(password);
    }
  });

  it('refuses to read a schema nothing was recorded in, instead of creating it', async () => {
    const { db } = dbUrl(url);
    const result = await cli(scratch.dir, 'list', '--db', db);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /no Waymark schema "wm_cli_[0-9a-f]+" in postgres:\/\/postgres:\*\*\*@/,
    );
  });

  it('migrate copies every run, step and event from SQLite intact, and refuses a second copy', async () => {
    const sqlitePath = `${scratch.dir}/source.db`;
    await recordVariedRuns(sqlitePath);
    const { db, schema } = dbUrl(url);

    const result = await cli(scratch.dir, 'migrate', '--from', sqlitePath, '--to', db);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);

    const source = await openSqliteStore({ path: sqlitePath });
    const target = await openPostgresStore({ url, schema, notifications: false });
    try {
      const sourceRuns = (await source.listRuns({ limit: 1000 })).runs;
      expect(sourceRuns.length).toBe(8);
      const statuses = new Set(sourceRuns.map((r) => r.status));
      for (const status of ['completed', 'failed', 'sleeping', 'waiting', 'paused', 'cancelled']) {
        expect(statuses, status).toContain(status);
      }
      expect((await target.listRuns({ limit: 1000 })).runs).toEqual(sourceRuns);
      let steps = 0;
      let events = 0;
      for (const run of sourceRuns) {
        const sourceSteps = await source.listSteps({ runId: run.id });
        expect(await target.listSteps({ runId: run.id })).toEqual(sourceSteps);
        const withoutSeq = async (store: Store) =>
          (await store.listEvents({ runId: run.id })).map(({ seq: _, ...event }) => event);
        const sourceEvents = await withoutSeq(source);
        expect(await withoutSeq(target)).toEqual(sourceEvents);
        steps += sourceSteps.length;
        events += sourceEvents.length;
      }
      expect(result.stdout).toContain(
        `Copied ${sourceRuns.length} runs, ${steps} steps and ${events} history events`,
      );

      // Again: every run would clash. Nothing is copied; the conflicts are named.
      const again = await cli(scratch.dir, 'migrate', '--from', sqlitePath, '--to', db);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain(
        `already holds ${sourceRuns.length} run(s) that conflict with the source; nothing was copied`,
      );
      expect(again.stderr).toContain('(same id)');
      expect((await target.listRuns({ limit: 1000 })).runs).toHaveLength(sourceRuns.length);
    } finally {
      await source.close();
      await target.close();
    }
  });

  it('migrate refuses a target that holds a run with a source run’s idempotency key', async () => {
    const sqlitePath = `${scratch.dir}/source.db`;
    const source = await openSqliteStore({ path: sqlitePath });
    await source.createRun(runParams('order-7'));
    await source.close();
    const { db, schema } = dbUrl(url);
    const target = await openPostgresStore({ url, schema, notifications: false });
    await target.createRun(runParams('order-7'));
    await target.close();
    const result = await cli(scratch.dir, 'migrate', '--from', sqlitePath, '--to', db);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('(same idempotency key "order-7")');
  });
});

function runParams(idempotencyKey: string) {
  const now = Date.now();
  const id = `run-${idempotencyKey}-${Math.random().toString(36).slice(2)}`;
  return {
    id,
    workflowName: 'w',
    workflowVersion: null,
    input: 1,
    now,
    idempotencyKey,
    events: [],
  };
}

/**
 * A SQLite database holding runs in every state: completed (with retries), failed, sleeping,
 * a parent waiting on its sleeping child, paused, cancelled, one with an idempotency key and
 * one with a recorded definition.
 */
async function recordVariedRuns(path: string): Promise<void> {
  const store = await openSqliteStore({ path });
  const child = defineWorkflow({ name: 'child' }, async (ctx) => {
    await ctx.sleep('nap', '1h');
    return 'child done';
  });
  const workflows = [
    defineWorkflow({ name: 'done' }, async (ctx, input: { n: number }) => {
      const a = await ctx.step(
        'flaky',
        { retry: { maxAttempts: 2, initialInterval: 1, jitter: 0 } },
        ({ attempt }) => {
          if (attempt === 1) throw new Error('first try');
          return { attempt, nested: [input.n, null, 'x'] };
        },
      );
      const when = await ctx.now();
      return { a, when, unicode: 'ünï ✓' };
    }),
    defineWorkflow({ name: 'fails' }, async (ctx) => {
      await ctx.step('boom', () => {
        throw new NonRetryableError('no way', { details: { why: 'testing' } });
      });
    }),
    defineWorkflow({ name: 'sleeper' }, async (ctx) => {
      await ctx.step('before', () => 1);
      await ctx.sleep('nap', '1h');
    }),
    defineWorkflow({ name: 'parent' }, async (ctx) => ctx.run(child, null)),
    child,
  ];
  const t = await createTestEngine({ store, workflows });
  try {
    const [done, fails, sleeper, parent, paused, cancelled] = await Promise.all([
      t.engine.start('done', { n: 1 }, { idempotencyKey: 'once' }),
      t.engine.start('fails', null),
      t.engine.start('sleeper', null),
      t.engine.start('parent', null),
      t.engine.start('sleeper', null),
      t.engine.start('sleeper', null),
    ]);
    await t.clock.advance(10);
    await t.waitForStatus(done!.id, 'completed');
    await t.waitForStatus(fails!.id, 'failed');
    await t.waitForStatus(sleeper!.id, 'sleeping');
    await t.waitForStatus(parent!.id, 'waiting');
    await t.waitForStatus(paused!.id, 'sleeping');
    await t.engine.pause(paused!.id);
    await t.waitForStatus(cancelled!.id, 'sleeping');
    await t.engine.cancel(cancelled!.id, 'not needed');
    await store.createRun({
      id: 'yaml-run',
      workflowName: 'from-yaml',
      workflowVersion: '3',
      input: { text: 'a\nb' },
      now: t.clock.now(),
      definition: { source: 'id: from-yaml\nsteps: []\n', hash: 'f'.repeat(64), file: null },
      events: [{ type: 'run.created', at: t.clock.now() }],
    });
  } finally {
    await t.close();
    await store.close();
  }
}
