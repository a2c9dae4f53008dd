import { until } from '../../until.ts';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/core/store.ts';
import { openSqliteStore } from '../../../src/storage/sqlite/index.ts';
import { FakeClock } from '../../../src/testing/fake-clock.ts';
import { createTestEngine, type TestEngine } from '../../../src/testing/test-engine.ts';
import {
  type Calls,
  calledSteps,
  compileYaml,
  lines,
  newCalls,
  openGate,
  stepTable,
  testExecutors,
} from './helpers.ts';
import { tempDir } from '../../temp-dir.ts';

let engines: TestEngine[] = [];
let store: Store | undefined;
afterEach(async () => {
  for (const e of engines) await e.close();
  engines = [];
  await store?.close();
  store = undefined;
});

async function start(text: string, calls: Calls, input: Record<string, unknown> = {}) {
  const wf = compileYaml(text, { executors: testExecutors(calls) });
  const t = await createTestEngine({ workflows: [wf] });
  engines.push(t);
  return { run: await t.engine.start(wf, input), t };
}

const historyOf = async (t: TestEngine, runId: string, type: string) =>
  (await t.engine.history(runId)).filter((e) => e.type === type);

/** `parallel` with a branch that waits (`slow_test`, then `after_test`) and one that fails. */
const CHECKS = lines(
  'id: ff',
  'steps:',
  '  - id: checks',
  '    parallel:',
  '      branches:',
  '        - steps:',
  '            - { id: slow_test, uses: gate, with: { name: test } }',
  '            - { id: after_test, uses: echo, with: { value: never } }',
  '        - { id: lint, uses: gate, with: { name: lint, fail: lint failed } }',
);

describe('parallel fail_fast (the default)', () => {
  it('cancels the running sibling: its signal aborts, it records nothing further, the parallel fails with the failure', async () => {
    const calls = newCalls();
    const { run, t } = await start(CHECKS, calls);
    await until(() => calls.gates.has('test'));
    await openGate(calls, 'lint');
    await expect(run.result()).rejects.toThrow('lint failed');
    expect(calls.aborted).toEqual(['slow_test']);
    expect(calledSteps(calls).sort()).toEqual(['lint', 'slow_test']);
    expect(await stepTable(t, run.id)).toEqual(['lint failed 1', 'slow_test cancelled 1']);
    const cancelled = await historyOf(t, run.id, 'step.cancelled');
    expect(cancelled.map((e) => [e.stepKey, e.data['message']])).toEqual([
      ['slow_test', 'branch "lint" of parallel "checks" failed'],
    ]);
    expect((await t.engine.getRun(run.id))?.error).toMatchObject({ message: 'lint failed' });
  });

  it('with on_failure: continue, later steps see failed, cancelled and skipped, also after a replay', async () => {
    const calls = newCalls();
    const { run, t } = await start(
      CHECKS.replace('    parallel:', '    on_failure: continue\n    parallel:') +
        lines(
          '  - { id: pause, wait: { duration: 1m } }',
          'output:',
          '  checks: ${ [steps.checks.status, steps.checks.error.message] }',
          '  lint: ${ steps.lint.status }',
          '  slow_test: ${ steps.slow_test.status }',
        ),
      calls,
    );
    await until(() => calls.gates.has('test'));
    await openGate(calls, 'lint');
    await t.waitForStatus(run.id, 'sleeping');
    // The output is computed after the wake-up, by a replay of the parallel from its records.
    await t.clock.advance('1m');
    expect(await run.result()).toEqual({
      checks: ['failed', 'lint failed'],
      lint: 'failed',
      slow_test: 'cancelled',
    });
    expect(calledSteps(calls).sort()).toEqual(['lint', 'slow_test']);
  });

  it('stops a sleeping, a retrying and a child-run sibling at once, cancelling the child run', async () => {
    const calls = newCalls();
    const executors = testExecutors(calls);
    const child = compileYaml(
      lines('id: child', 'steps: [{ id: forever, uses: gate, with: { name: forever } }]'),
      { executors },
    );
    const wf = compileYaml(
      lines(
        'id: ff-waits',
        'steps:',
        '  - id: checks',
        '    parallel:',
        '      branches:',
        '        - { id: nap, wait: { duration: 1h } }',
        '        - id: shaky',
        '          uses: flaky',
        '          retry: { max_attempts: 5, backoff: { initial: 1h } }',
        '          with: { succeed_on: 9 }',
        '        - { id: sub, run: { workflow: child } }',
        '        - { id: lint, uses: gate, with: { name: lint, fail: lint failed } }',
      ),
      { executors, resolveWorkflow: (ref) => (ref === 'child' ? child : undefined) },
    );
    const t = await createTestEngine({ workflows: [wf, child] });
    engines.push(t);
    const run = await t.engine.start(wf, {});
    await until(() => calls.gates.has('forever') && calledSteps(calls).includes('shaky'));
    await until(async () =>
      (await t.engine.steps(run.id)).some((s) => s.key === 'shaky' && s.status === 'retrying'),
    );
    await openGate(calls, 'lint');
    await expect(run.result()).rejects.toThrow('lint failed');
    expect(await stepTable(t, run.id)).toEqual([
      'lint failed 1',
      'nap cancelled 1',
      'shaky cancelled 1',
      'sub cancelled 1',
    ]);
    const [childRun] = (await t.engine.listRuns({ workflow: 'child' })).runs;
    expect(childRun?.status).toBe('cancelled');
    await until(() => calls.aborted.includes('forever'));
    expect(calledSteps(calls).filter((id) => id === 'shaky')).toHaveLength(1);
  });

  it("kills a cancelled shell step's process", async () => {
    const dir = tempDir('waymark-failfast-');
    const calls = newCalls();
    const { run } = await start(
      lines(
        'id: ff-shell',
        'steps:',
        '  - id: checks',
        '    parallel:',
        '      branches:',
        '        - id: long',
        '          uses: shell',
        '          with:',
        '            script: sleep 30 & echo $! > pid; wait',
        `            cwd: ${JSON.stringify(dir)}`,
        '        - { id: lint, uses: gate, with: { name: lint, fail: lint failed } }',
      ),
      calls,
    );
    const pidFile = path.join(dir, 'pid');
    await until(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '');
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    await openGate(calls, 'lint');
    await expect(run.result()).rejects.toThrow('lint failed');
    const alive = (): boolean => {
      try {
        return !/^\d+ \(.*\) [ZX]/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    await until(() => !alive());
  });

  it('resumes after a crash between the failure and the cancellation with the same outcome, without restarting the sibling', async () => {
    const calls = newCalls();
    const wf = compileYaml(CHECKS, { executors: testExecutors(calls) });
    const clock = new FakeClock();
    store = await openSqliteStore({ path: ':memory:' });
    const first = await createTestEngine({ workflows: [wf], store, clock });
    engines.push(first);
    const run = await first.engine.start(wf, {});
    await until(() => calls.gates.has('test') && calls.gates.has('lint'));
    await until(async () => (await first.engine.steps(run.id)).some((s) => s.key === 'slow_test'));
    // The worker stops (nothing more is recorded); then a worker records lint's failure and
    // dies before it cancels slow_test, which stays `running`.
    await first.close();
    engines = [];
    const [claimed] = await store.claimRuns({
      workerId: 'dying',
      now: clock.now(),
      leaseMs: 1_000,
      limit: 1,
    });
    const error = { type: 'Error', code: 'STEP_FAILED', message: 'lint failed', retryable: true };
    await store.saveStep({
      runId: run.id,
      fencingToken: claimed!.fencingToken,
      now: clock.now(),
      events: [],
      step: {
        runId: run.id,
        key: 'lint',
        name: 'lint',
        kind: 'run',
        status: 'failed',
        attempt: 1,
        output: undefined,
        error: { ...error, step: 'lint', attempt: 1 },
        startedAt: clock.now(),
        finishedAt: clock.now(),
        wakeAt: null,
        childRunId: null,
      },
    });
    const started = calls.list.length;

    const second = await createTestEngine({ workflows: [wf], store, clock });
    engines.push(second);
    await clock.advance('5s'); // the dead worker's lease expires; the next poll reclaims it
    expect(await second.engine.waitForEnd(run.id)).toMatchObject({
      status: 'failed',
      error: { message: 'lint failed' },
    });
    expect(calls.list.length).toBe(started); // slow_test did not start again
    expect(await stepTable(second, run.id)).toEqual(['lint failed 1', 'slow_test cancelled 1']);
  });
});

describe('parallel fail_fast: false', () => {
  it('runs every branch to its end and reports every failure', async () => {
    const calls = newCalls();
    const { run, t } = await start(
      lines(
        'id: all',
        'steps:',
        '  - id: checks',
        '    on_failure: continue',
        '    parallel:',
        '      fail_fast: false',
        '      branches:',
        '        - { id: a, uses: fail, with: { message: a broke } }',
        '        - { id: slow_ok, uses: gate, with: { name: ok, value: fine } }',
        '        - { id: b, uses: fail, with: { message: b broke } }',
        'output:',
        '  error: ${ steps.checks.error }',
        '  slow_ok: ${ steps.slow_ok.output }',
      ),
      calls,
    );
    // a and b have failed (slow_ok is still running, its start recorded or not yet).
    await until(async () => {
      const table = await stepTable(t, run.id);
      return table.includes('a failed 1') && table.includes('b failed 1');
    });
    await openGate(calls, 'ok');
    expect(await run.result()).toEqual({
      error: {
        code: 'BRANCHES_FAILED',
        message:
          '2 of 3 branches of parallel "checks" failed: branch "a": a broke; branch "b": b broke',
      },
      slow_ok: 'fine',
    });
    expect(calls.aborted).toEqual([]);
  });

  it('a single failure is reported as itself', async () => {
    const calls = newCalls();
    const { run } = await start(
      lines(
        'id: one',
        'steps:',
        '  - id: checks',
        '    parallel:',
        '      fail_fast: false',
        '      branches:',
        '        - { id: a, uses: fail, with: { message: a broke } }',
        '        - { id: ok, uses: echo, with: { value: 1 } }',
      ),
      calls,
    );
    await expect(run.result()).rejects.toThrow(/^a broke$/);
  });
});

describe('foreach', () => {
  const EACH = (failFast: string): string =>
    lines(
      'id: each',
      'steps:',
      '  - id: each',
      '    foreach:',
      '      items: ${ [0, 1, 2, 3] }',
      '      concurrency: 2',
      failFast,
      '      steps:',
      '        - id: work',
      '          uses: gate',
      '          with: { name: "g${ item }", fail: "${ item % 2 == 1 ? \\"odd \\" + string(item) : \\"\\" }" }',
    );

  it('fail_fast (the default): cancels running iterations and starts no new one', async () => {
    const calls = newCalls();
    const { run, t } = await start(EACH(''), calls);
    await until(() => calls.gates.has('g0'));
    await openGate(calls, 'g1');
    await expect(run.result()).rejects.toThrow(/^odd 1$/);
    expect(calledSteps(calls).sort()).toEqual(['each[0].work', 'each[1].work']);
    expect(calls.aborted).toEqual(['each[0].work']);
    expect(await stepTable(t, run.id)).toEqual([
      'each[0].work cancelled 1',
      'each[1].work failed 1',
    ]);
  });

  it('fail_fast: false runs every iteration and reports every failure', async () => {
    const calls = newCalls();
    const { run } = await start(EACH('      fail_fast: false'), calls);
    for (const gate of ['g0', 'g1', 'g2', 'g3']) await openGate(calls, gate);
    await expect(run.result()).rejects.toThrow(
      '2 of 4 iterations of foreach "each" failed: iteration 1: odd 1; iteration 3: odd 3',
    );
    expect(calledSteps(calls)).toHaveLength(4);
  });
});
