/**
 * `waymark worker` as a real process on PostgreSQL: SIGTERM stops it claiming at once, and
 * the runs it holds are handed back within the grace period, so another worker resumes them
 * at once — the lease here (60 s) is far longer than the test may take — and their
 * recorded steps do not run again.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { uuidv7 } from '../../src/core/ids.ts';
import { openPostgresStore } from '../../src/storage/postgres/index.ts';
import { makeScratchDir } from '../cli/cli-harness.ts';
import { describePostgres, dropSchema, randomSchemaName } from '../storage/postgres-test-db.ts';
import { type CliProcess, killAllCliProcesses, startCli } from './cli-process.ts';
import { waitFor, withDiagnostics } from './child-worker.ts';

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  await killAllCliProcesses();
  for (const fn of cleanup.reverse()) await fn();
  cleanup = [];
});

const workflowModule = (ledger: string) => `
import { appendFileSync } from 'node:fs';
import { defineWorkflow } from 'waymark';

const log = (line) => appendFileSync(${JSON.stringify(ledger)}, line + ' ' + process.env.LEDGER_CLI + '\\n');

export default defineWorkflow({ name: 'slow' }, async (ctx) => {
  await ctx.step('first', () => log('first ' + ctx.runId));
  await ctx.step('long', ({ signal }) => {
    log('long ' + ctx.runId);
    return new Promise((resolve, reject) => {
      // Worker A never finishes it (it is stopped mid-step); worker B runs it to the end.
      const timer = setTimeout(resolve, process.env.LEDGER_CLI === 'worker-a' ? 60_000 : 1500);
      signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)));
    });
  });
  return 'done';
});
`;

describePostgres('waymark worker (a process)', (url) => {
  it('on SIGTERM claims nothing more and hands its runs back; another worker resumes them at once', async () => {
    const scratch = makeScratchDir();
    const schema = randomSchemaName('wm_worker_cli');
    const ledger = join(scratch.dir, 'ledger.txt');
    writeFileSync(ledger, '');
    writeFileSync(join(scratch.dir, 'slow.workflow.ts'), workflowModule(ledger));
    const store = await openPostgresStore({ url, schema, notifications: false });
    let passed = false;
    cleanup.push(async () => {
      await store.close();
      if (!passed) return;
      scratch.cleanup();
      await dropSchema(url, schema);
    });
    const runIds: string[] = [];
    for (let i = 0; i < 3; i++) {
      const now = Date.now();
      const { run } = await store.createRun({
        id: uuidv7(now),
        workflowName: 'slow',
        workflowVersion: null,
        input: null,
        now,
        events: [{ type: 'run.created', at: now }],
      });
      runIds.push(run.id);
    }
    const db = `${url}?schema=${schema}`;
    const worker = (id: string): CliProcess =>
      startCli(
        id,
        scratch.dir,
        'worker',
        'slow.workflow.ts',
        '--db',
        db,
        '--id',
        id,
        '--lease',
        '60s',
        '--poll',
        '100ms',
        '--grace',
        '200ms',
      );
    const lines = () =>
      readFileSync(ledger, 'utf8')
        .split('\n')
        .filter((l) => l !== '');
    const a = worker('worker-a');
    let b: CliProcess | undefined;
    const diagnostics = () =>
      [`ledger:\n${lines().join('\n')}`, a.describe(), b?.describe() ?? ''].join('\n');

    await withDiagnostics(diagnostics, async () => {
      // All three runs are in their long step in worker A.
      await waitFor(
        'worker A to hold every run',
        () => lines().filter((l) => l.startsWith('long')).length === 3,
        30_000,
      );
      a.child.kill('SIGTERM');
      expect(await a.waitForExit(20_000)).toEqual({ code: 0, signal: null });
      expect(a.stdout).toContain('SIGTERM: claiming no more runs');
      expect(a.stdout).toContain('Worker worker-a stopped');
      for (const runId of runIds) {
        expect(await store.getRun({ runId })).toMatchObject({
          status: 'pending',
          leaseOwner: null,
        });
      }

      b = worker('worker-b');
      await waitFor(
        'worker B to complete every run',
        async () => {
          const runs = await Promise.all(runIds.map((runId) => store.getRun({ runId })));
          return runs.every((run) => run?.status === 'completed');
        },
        30_000,
        50,
      );
      // The recorded first steps ran once, in A; B ran only the step A was cut off in.
      expect(
        lines()
          .filter((l) => l.startsWith('first'))
          .every((l) => l.endsWith('worker-a')),
      ).toBe(true);
      expect(lines().filter((l) => l.startsWith('first'))).toHaveLength(3);
      expect(lines().filter((l) => l.startsWith('long') && l.endsWith('worker-b'))).toHaveLength(3);
      b.child.kill('SIGTERM');
      expect(await b.waitForExit(20_000)).toEqual({ code: 0, signal: null });
    });
    passed = true;
  }, 90_000);
});
