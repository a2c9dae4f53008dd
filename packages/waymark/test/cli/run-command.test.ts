import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/storage/sqlite/index.ts';
import { CliHarness, cli, makeScratchDir, runIdOf, writeFixture } from './cli-harness.ts';
import { until } from '../until.ts';
import {
  BASIC_WORKFLOW,
  FAILING_WORKFLOW,
  GATED_WORKFLOW,
  PARENT_CHILD_WORKFLOWS,
} from './fixtures.ts';

let scratch: ReturnType<typeof makeScratchDir>;
beforeEach(() => {
  scratch = makeScratchDir();
});
afterEach(() => scratch.cleanup());

describe('waymark run', () => {
  it('prints each step as it starts and ends, retries and sleeps, then the output', async () => {
    writeFixture(scratch.dir, 'basic.workflow.ts', BASIC_WORKFLOW);
    const { code, stdout, stderr } = await cli(
      scratch.dir,
      'run',
      'basic.workflow.ts',
      '--input',
      'name=Ada',
      '--input',
      'count=21',
      '--db',
      'test.db',
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^Run [0-9a-f-]{36} of basic \(db .*test\.db\)$/);
    expect(lines).toContain('▶ greet  attempt 1/3');
    expect(lines.some((l) => /^✔ greet {2}\d+ms$/.test(l))).toBe(true);
    expect(lines).toContain('✖ flaky  attempt 1/3 failed: first try fails — retrying in 10ms');
    expect(lines).toContain('▶ flaky  attempt 2/3');
    expect(
      lines.some((l) => /^⏸ nap {2}sleeping until \d{4}-\d\d-\d\dT[\d:.]+Z \(30ms\)$/.test(l)),
    ).toBe(true);
    expect(lines.some((l) => /^✔ run completed in /.test(l))).toBe(true);
    // Step lines come in execution order.
    const order = ['▶ greet', '✔ greet', '▶ flaky', '✖ flaky', '⏸ nap', '✔ run completed'].map(
      (p) => lines.findIndex((l) => l.startsWith(p)),
    );
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(stdout).toContain(
      JSON.stringify({ greeting: 'hi Ada', tries: 2, doubled: 42 }, null, 2),
    );
    // No colors when the output is not a terminal.
    expect(stdout).not.toContain('\u001b[');
  });

  it('--json prints one final object and no step lines', async () => {
    writeFixture(scratch.dir, 'basic.workflow.ts', BASIC_WORKFLOW);
    const { code, stdout } = await cli(
      scratch.dir,
      'run',
      'basic.workflow.ts',
      '--input-json',
      '{"name":"Bo","count":1}',
      '--input',
      'count=2',
      '--json',
    );
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as Record<string, unknown>;
    expect(result).toEqual({
      runId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: 'completed',
      output: { greeting: 'hi Bo', tries: 2, doubled: 4 },
    });
  });

  it('uses .waymark/waymark.db under the working directory by default, or WAYMARK_DB', async () => {
    writeFixture(scratch.dir, 'basic.workflow.ts', BASIC_WORKFLOW);
    const args = ['run', 'basic.workflow.ts', '--input', 'name=x', '--input', 'count=1', '--json'];
    expect((await cli(scratch.dir, ...args)).code).toBe(0);
    expect(
      (await cli(scratch.dir, 'list', '--db', '.waymark/waymark.db', '--json')).stdout,
    ).toContain('"basic"');
    const withEnv = new CliHarness(scratch.dir, { WAYMARK_DB: 'from-env.db' });
    expect((await withEnv.run(...args)).code).toBe(0);
    expect((await cli(scratch.dir, 'list', '--db', 'from-env.db')).stdout).toContain('basic');
  });

  it('prints the error with code, message and step, and exits 1 when the run fails', async () => {
    writeFixture(scratch.dir, 'failing.workflow.ts', FAILING_WORKFLOW);
    const { code, stdout, stderr } = await cli(
      scratch.dir,
      'run',
      'failing.workflow.ts',
      '--db',
      'test.db',
    );
    expect(code).toBe(1);
    expect(stdout).toContain('✖ explode  attempt 1/3 failed: NON_RETRYABLE: the widget is broken');
    expect(stdout).toMatch(/✖ run failed in /);
    expect(stderr).toMatch(
      /^waymark: error: run [0-9a-f-]{36} failed: NON_RETRYABLE: the widget is broken \(step "explode", attempt 1\)\n$/,
    );

    const json = await cli(scratch.dir, 'run', 'failing.workflow.ts', '--db', 'test.db', '--json');
    expect(json.code).toBe(1);
    const result = JSON.parse(json.stdout) as { status: string; error: Record<string, unknown> };
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({
      code: 'NON_RETRYABLE',
      message: 'the widget is broken',
      step: 'explode',
    });
  });

  it("--resume with a file that does not export the run's workflow is an error, also once the run ended", async () => {
    writeFixture(scratch.dir, 'failing.workflow.ts', FAILING_WORKFLOW);
    writeFixture(scratch.dir, 'basic.workflow.ts', BASIC_WORKFLOW);
    const first = await cli(scratch.dir, 'run', 'failing.workflow.ts', '--db', 'test.db');
    const runId = runIdOf(first.stdout);
    const wrong = await cli(
      scratch.dir,
      'run',
      'basic.workflow.ts',
      '--resume',
      runId,
      '--db',
      'test.db',
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(
      new RegExp(
        `^waymark: error: run ${runId} is a run of workflow "failing", which .*basic\\.workflow\\.ts does not export \\(it exports: basic\\)\\n$`,
      ),
    );
  });

  it('registers every workflow the module exports, so child runs execute, shown indented', async () => {
    writeFixture(scratch.dir, 'family.workflow.ts', PARENT_CHILD_WORKFLOWS);
    const { code, stdout } = await cli(scratch.dir, 'run', 'family.workflow.ts', '--db', 'test.db');
    expect(code).toBe(0);
    expect(stdout).toMatch(/⧗ child-job {2}waiting for child run [0-9a-f-]{36} \(child-job\)/);
    expect(stdout).toContain('  child-job › ▶ square  attempt 1/3');
    expect(stdout).toContain('"squared": 49');
  });

  it('--workflow runs a named export instead of the default one', async () => {
    writeFixture(scratch.dir, 'family.workflow.ts', PARENT_CHILD_WORKFLOWS);
    const byExport = await cli(
      scratch.dir,
      'run',
      'family.workflow.ts',
      '--workflow',
      'other',
      '--json',
    );
    expect(JSON.parse(byExport.stdout)).toMatchObject({ status: 'completed', output: 'other' });
    const byName = await cli(
      scratch.dir,
      'run',
      'family.workflow.ts',
      '--workflow',
      'child-job',
      '--input',
      'n=3',
      '--json',
    );
    expect(JSON.parse(byName.stdout)).toMatchObject({ status: 'completed', output: 9 });
  });

  it('Ctrl-C lets the step in flight finish, hands the run back, and --resume completes it', async () => {
    writeFixture(scratch.dir, 'gated.workflow.ts', GATED_WORKFLOW);
    const gate = { starts: 0 } as {
      starts: number;
      release?: Promise<void>;
      firstStarted?: () => void;
    };
    let open!: () => void;
    gate.release = new Promise<void>((resolve) => (open = resolve));
    gate.firstStarted = () => void gate.starts++;
    (globalThis as { __cliTestGate?: unknown }).__cliTestGate = gate;

    const harness = new CliHarness(scratch.dir);
    const running = harness.run('run', 'gated.workflow.ts', '--db', 'test.db');
    await until(() => gate.starts === 1);
    harness.interrupt('SIGINT');
    open();
    const interrupted = await running;
    expect(interrupted.code).toBe(130);
    const runId = runIdOf(interrupted.stdout);
    expect(interrupted.stdout).toContain('Interrupted (SIGINT)');
    expect(interrupted.stdout).toContain('✔ first');
    expect(interrupted.stdout).not.toContain('second');
    // The command to paste: the first line says it too, before anything can go wrong.
    const resume = `npx waymark run gated.workflow.ts --resume ${runId} --db test.db`;
    expect(interrupted.stdout).toContain(`Continue it with:\n  ${resume}\n`);
    expect(interrupted.stdout.split('\n')[1]).toBe(`  if interrupted: ${resume}`);

    const status = await cli(scratch.dir, 'status', runId, '--db', 'test.db', '--json');
    expect(JSON.parse(status.stdout)).toMatchObject({
      run: { status: 'pending', pauseRequested: false },
    });

    const resumed = await cli(
      scratch.dir,
      'run',
      'gated.workflow.ts',
      '--resume',
      runId,
      '--db',
      'test.db',
    );
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain(`Resuming run ${runId} of gated (pending)`);
    expect(resumed.stdout).not.toContain('first');
    expect(resumed.stdout).toContain('▶ second  attempt 1/3');
    expect(resumed.stdout).toContain('"one",\n  "two"');
    expect(gate.starts).toBe(1);

    // A terminal run given to --resume just reports its result.
    const again = await cli(
      scratch.dir,
      'run',
      'gated.workflow.ts',
      '--resume',
      runId,
      '--db',
      'test.db',
      '--json',
    );
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({
      runId,
      status: 'completed',
      output: ['one', 'two'],
    });
  });

  it('the resume command keeps --workflow and quotes what the shell would split', async () => {
    writeFixture(scratch.dir, 'my family.workflow.ts', PARENT_CHILD_WORKFLOWS);
    const { stdout } = await cli(
      scratch.dir,
      'run',
      'my family.workflow.ts',
      '--workflow',
      'other',
      '--db',
      'runs/x.db',
    );
    expect(stdout.split('\n')[1]).toBe(
      `  if interrupted: npx waymark run 'my family.workflow.ts' --resume ${runIdOf(stdout)} --db runs/x.db --workflow other`,
    );
  });

  it('--resume waits for the lease of a dead worker to expire, then recovers the run', async () => {
    writeFixture(scratch.dir, 'basic.workflow.ts', BASIC_WORKFLOW);
    // A run claimed by a worker that then died: `running`, under a lease nobody renews.
    const store = await openSqliteStore({ path: scratch.db });
    const now = Date.now();
    await store.createRun({
      id: '01900000-0000-7000-8000-000000000001',
      workflowName: 'basic',
      workflowVersion: '2',
      input: { name: 'Lazarus', count: 5 },
      now,
      events: [],
    });
    const [claimed] = await store.claimRuns({
      workerId: 'dead-worker',
      now,
      // Long enough that the CLI (which loads the module first) sees it still held.
      leaseMs: 3_000,
      limit: 10,
      workflows: ['basic'],
    });
    await store.close();
    expect(claimed?.id).toBe('01900000-0000-7000-8000-000000000001');

    const resumed = await cli(
      scratch.dir,
      'run',
      'basic.workflow.ts',
      '--resume',
      claimed!.id,
      '--db',
      'test.db',
    );
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(
      /held by worker dead-worker until \d{4}-.*Z; waiting for its lease to expire/,
    );
    expect(resumed.stdout).toContain('↻ recovered after its previous worker stopped (recovery 1)');
    expect(resumed.stdout).toContain('"greeting": "hi Lazarus"');
  });
});
