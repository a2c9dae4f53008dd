import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryEvent, RunRecord, StepRecord } from '../../src/index.ts';
import { CliHarness, cli, makeScratchDir, runIdOf, writeFixture } from './cli-harness.ts';
import { BASIC_WORKFLOW, FAILING_WORKFLOW } from './fixtures.ts';

let scratch: ReturnType<typeof makeScratchDir>;
let okRunId: string;
let failedRunId: string;

beforeAll(async () => {
  scratch = makeScratchDir();
  writeFixture(scratch.dir, 'basic.workflow.ts', BASIC_WORKFLOW);
  writeFixture(scratch.dir, 'failing.workflow.ts', FAILING_WORKFLOW);
  const ok = await cli(
    scratch.dir,
    'run',
    'basic.workflow.ts',
    '--input',
    'name=Ada',
    '--input',
    'count=2',
    '--db',
    'test.db',
    '--json',
  );
  okRunId = runIdOf(ok.stdout);
  const failed = await cli(scratch.dir, 'run', 'failing.workflow.ts', '--db', 'test.db', '--json');
  failedRunId = runIdOf(failed.stdout);
});
afterAll(() => scratch.cleanup());

describe('waymark status', () => {
  it('shows status, workflow and version, input, times, current step and a step table', async () => {
    const { code, stdout, stderr } = await cli(scratch.dir, 'status', okRunId, '--db', 'test.db');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`^Run +${okRunId}$`, 'm'));
    expect(stdout).toMatch(/^Workflow +basic \(version 2\)$/m);
    expect(stdout).toMatch(/^Status +completed$/m);
    expect(stdout).toMatch(/^Input +\{"name":"Ada","count":2\}$/m);
    expect(stdout).toMatch(/^Created +\d{4}-\d\d-\d\dT[\d:.]+Z$/m);
    expect(stdout).toMatch(/^Started +\d{4}-/m);
    expect(stdout).toMatch(/^Finished +\d{4}-.*Z \(took [\d.]+m?s\)$/m);
    expect(stdout).toMatch(/^Current step +nap \(sleep, completed\)$/m);
    expect(stdout).toMatch(/^ {2}KEY +KIND +STATUS +ATTEMPTS +DURATION$/m);
    expect(stdout).toMatch(/^ {2}greet +run +completed +1 +\d+ms$/m);
    expect(stdout).toMatch(/^ {2}flaky +run +completed +2 +\d+ms$/m);
    expect(stdout).toMatch(/^ {2}nap +sleep +completed +1 +30ms \(until \d{4}-.*Z\)$/m);
    expect(stdout).toContain('"doubled": 4');
  });

  it('colors only a terminal, and not with NO_COLOR', async () => {
    const tty = await new CliHarness(scratch.dir, {}, true).run(
      'status',
      okRunId,
      '--db',
      'test.db',
    );
    expect(tty.stdout).toContain('\u001b[32mcompleted\u001b[39m');
    const noColor = await new CliHarness(scratch.dir, { NO_COLOR: '1' }, true).run(
      'status',
      okRunId,
      '--db',
      'test.db',
    );
    expect(noColor.stdout).not.toContain('\u001b[');
  });

  it("shows a failed run's error: code, message, step, attempt", async () => {
    const { code, stdout } = await cli(scratch.dir, 'status', failedRunId, '--db', 'test.db');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Status +failed$/m);
    expect(stdout).toMatch(/^Current step +explode \(run, failed\)$/m);
    expect(stdout).toMatch(/^ {2}explode +run +failed +1 /m);
    expect(stdout).toContain(
      'Error\n  NON_RETRYABLE: the widget is broken (step "explode", attempt 1)\n',
    );
  });

  it('--json prints the run record and its steps', async () => {
    const { code, stdout } = await cli(scratch.dir, 'status', okRunId, '--db', 'test.db', '--json');
    expect(code).toBe(0);
    const { run, steps } = JSON.parse(stdout) as { run: RunRecord; steps: StepRecord[] };
    expect(run).toMatchObject({
      id: okRunId,
      status: 'completed',
      workflowName: 'basic',
      workflowVersion: '2',
    });
    expect(steps.map((s) => [s.key, s.kind, s.attempt])).toEqual([
      ['greet', 'run', 1],
      ['flaky', 'run', 2],
      ['nap', 'sleep', 1],
    ]);
  });
});

describe('waymark list', () => {
  it('lists runs newest first in a table', async () => {
    const { code, stdout } = await cli(scratch.dir, 'list', '--db', 'test.db');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +WORKFLOW +STATUS +CREATED \(UTC\) +DURATION$/);
    expect(lines[1]).toMatch(
      new RegExp(
        `^${failedRunId} +failing +failed +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +\\d`,
      ),
    );
    expect(lines[2]).toMatch(new RegExp(`^${okRunId} +basic +completed +`));
    expect(lines).toHaveLength(3);
  });

  it('filters by status and workflow, limits, and prints JSON', async () => {
    const failed = await cli(
      scratch.dir,
      'list',
      '--status',
      'failed',
      '--db',
      'test.db',
      '--json',
    );
    expect((JSON.parse(failed.stdout) as { runs: RunRecord[] }).runs.map((r) => r.id)).toEqual([
      failedRunId,
    ]);
    const basic = await cli(
      scratch.dir,
      'list',
      '--workflow',
      'basic',
      '--db',
      'test.db',
      '--json',
    );
    expect((JSON.parse(basic.stdout) as { runs: RunRecord[] }).runs.map((r) => r.id)).toEqual([
      okRunId,
    ]);
    const limited = await cli(scratch.dir, 'list', '--limit', '1', '--db', 'test.db', '--json');
    const page = JSON.parse(limited.stdout) as { runs: RunRecord[]; nextCursor: string | null };
    expect(page.runs.map((r) => r.id)).toEqual([failedRunId]);
    expect(page.nextCursor).not.toBeNull();
    const none = await cli(scratch.dir, 'list', '--status', 'sleeping', '--db', 'test.db');
    expect(none.stdout).toBe('No runs.\n');
  });
});

describe('waymark history', () => {
  it('prints every event in order with step, attempt, duration and the decision taken', async () => {
    const { code, stdout } = await cli(scratch.dir, 'history', okRunId, '--db', 'test.db');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TIME \(UTC\) +EVENT +STEP +ATTEMPT +DURATION +DETAILS$/);
    const types = lines.slice(1).map((l) => l.split(/ +/)[1]);
    expect(types[0]).toBe('run.created');
    expect(types[types.length - 1]).toBe('run.completed');
    expect(stdout).toMatch(/step\.started +flaky +1 +attempt 1 of 3/);
    expect(stdout).toMatch(
      /step\.failed +flaky +1 +\d+ms +STEP_FAILED: first try fails; will retry/,
    );
    expect(stdout).toMatch(/step\.retrying +flaky +1 +attempt 2 of 3 in 10ms; at \d{4}-.*Z/);
    expect(stdout).toMatch(/run\.parked +retry; until \d{4}-/);
    expect(stdout).toMatch(/step\.sleeping +nap +1 +until \d{4}-/);
    expect(stdout).toMatch(/run\.created +version 2/);
  });

  it("shows a failed run's errors", async () => {
    const { stdout } = await cli(scratch.dir, 'history', failedRunId, '--db', 'test.db');
    expect(stdout).toMatch(
      /step\.failed +explode +1 +\d+ms +NON_RETRYABLE: the widget is broken\n/,
    );
    expect(stdout).toMatch(
      /run\.failed +\d+m?s +NON_RETRYABLE: the widget is broken \(step "explode", attempt 1\)/,
    );
  });

  it('--json prints the events', async () => {
    const { stdout } = await cli(scratch.dir, 'history', okRunId, '--db', 'test.db', '--json');
    const { runId, events } = JSON.parse(stdout) as { runId: string; events: HistoryEvent[] };
    expect(runId).toBe(okRunId);
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(events.find((e) => e.type === 'step.retrying')).toMatchObject({
      stepKey: 'flaky',
      attempt: 1,
      data: { delayMs: 10, nextAttempt: 2 },
    });
  });
});
