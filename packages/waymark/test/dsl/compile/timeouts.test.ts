/**
 * `timeout` on YAML steps that are not executor steps: a deadline for the whole step (each
 * attempt of it, when retried), a `run`'s bounding its child run, and where it is refused.
 * The engine side (recorded deadlines, crashes) is tested in test/runtime/step-deadlines.
 */
import { until } from '../../until.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { loadWorkflowDocument } from '../../../src/dsl/load-workflow-file.ts';
import { createTestEngine, type TestEngine } from '../../../src/testing/test-engine.ts';
import { type Calls, compileYaml, lines, newCalls, stepTable, testExecutors } from './helpers.ts';

let engines: TestEngine[] = [];
afterEach(async () => {
  for (const e of engines) await e.close();
  engines = [];
});

async function start(text: string, calls: Calls) {
  const wf = compileYaml(text, { executors: testExecutors(calls) });
  const t = await createTestEngine({ workflows: [wf] });
  engines.push(t);
  return { run: await t.engine.start(wf, {}), t };
}

describe('timeout on a step that is not an executor step', () => {
  it('parallel: its deadline cancels every branch; the step fails STEP_TIMEOUT', async () => {
    const calls = newCalls();
    const { run, t } = await start(
      lines(
        'id: bounded-parallel',
        'steps:',
        '  - id: checks',
        '    timeout: 2m',
        '    on_failure: continue',
        '    parallel:',
        '      branches:',
        '        - { id: lint, uses: gate, with: { name: lint } }',
        '        - { id: test, uses: gate, with: { name: test } }',
        'output:',
        '  checks: ${ [steps.checks.status, steps.checks.error.code] }',
        '  branches: ${ [steps.lint.status, steps.test.status] }',
      ),
      calls,
    );
    await until(() => calls.gates.size === 2);
    await t.clock.advance('2m');
    expect(await run.result()).toEqual({
      checks: ['failed', 'STEP_TIMEOUT'],
      branches: ['cancelled', 'cancelled'],
    });
    expect(calls.aborted.sort()).toEqual(['lint', 'test']);
    expect(await stepTable(t, run.id)).toEqual([
      'checks failed 1',
      'lint cancelled 1',
      'test cancelled 1',
    ]);
  });

  it('foreach: iterations done stay done, the running one is cancelled, no later one starts', async () => {
    const calls = newCalls();
    const { run, t } = await start(
      lines(
        'id: bounded-foreach',
        'steps:',
        '  - id: each',
        '    timeout: 10m',
        '    foreach:',
        '      items: ${ [1, 2, 3] }',
        '      steps:',
        '        - { id: work, uses: echo, with: { value: "${ item }" } }',
        '        - { id: pause, wait: { duration: 6m } }',
      ),
      calls,
    );
    await t.waitForStatus(run.id, 'sleeping');
    await t.clock.advance('6m');
    await t.waitForStatus(run.id, 'sleeping');
    // Parked in iteration 1's pause (due at 12m), and due by the deadline (10m).
    expect((await t.engine.getRun(run.id))?.wakeAt).toBe(t.clock.now() + 4 * 60_000);
    await t.clock.advance('4m');
    await expect(run.result()).rejects.toMatchObject({
      code: 'STEP_TIMEOUT',
      message: 'step "each" timed out after 10m',
    });
    expect(await stepTable(t, run.id)).toEqual([
      'each failed 1',
      'each[0].pause completed 1',
      'each[0].work completed 1',
      'each[1].pause cancelled 1',
      'each[1].work completed 1',
    ]);
  });

  it('a retried group with a timeout: each attempt has a deadline of its own', async () => {
    const calls = newCalls();
    const { run, t } = await start(
      lines(
        'id: bounded-retried',
        'steps:',
        '  - id: deploy',
        '    timeout: 1m',
        '    on_failure: retry',
        '    retry: { max_attempts: 2, backoff: { initial: 10s } }',
        '    steps:',
        '      - { id: upload, uses: gate, with: { name: upload } }',
      ),
      calls,
    );
    await until(() => calls.gates.has('upload'));
    calls.gates.clear();
    await t.clock.advance('1m');
    await t.waitForStatus(run.id, 'sleeping');
    await t.clock.advance('10s');
    await until(() => calls.gates.has('upload'));
    await t.clock.advance('1m');
    await expect(run.result()).rejects.toMatchObject({ code: 'STEP_TIMEOUT' });
    expect(await stepTable(t, run.id)).toEqual([
      'deploy failed 2',
      'deploy.attempt[2].upload cancelled 1',
      'upload cancelled 1',
    ]);
  });

  it('a stage of steps: the deadline bounds the stage', async () => {
    const calls = newCalls();
    const { run, t } = await start(
      lines(
        'id: bounded-stage',
        'stages: [build]',
        'stage_configs:',
        '  build:',
        '    timeout: 30s',
        '    steps:',
        '      - { id: compile, uses: gate, with: { name: compile } }',
      ),
      calls,
    );
    await until(() => calls.gates.has('compile'));
    await t.clock.advance('30s');
    await expect(run.result()).rejects.toMatchObject({
      code: 'STEP_TIMEOUT',
      message: 'step "stage.build[0]" timed out after 30s',
    });
    expect(await stepTable(t, run.id)).toEqual([
      'stage.build[0] failed 1',
      'stage.build[0].compile cancelled 1',
    ]);
  });

  it('a uses stage: the timeout bounds each attempt, as on an executor step', async () => {
    const calls = newCalls();
    const { run, t } = await start(
      lines(
        'id: bounded-uses-stage',
        'stages: [build]',
        'stage_configs:',
        '  build:',
        '    uses: gate',
        '    with: { name: compile }',
        '    timeout: 30s',
      ),
      calls,
    );
    await until(() => calls.gates.has('compile'));
    await t.clock.advance('30s');
    await expect(run.result()).rejects.toMatchObject({ code: 'STEP_TIMEOUT' });
    expect(await stepTable(t, run.id)).toEqual(['stage.build[0] failed 1']);
  });
});

describe('where a timeout is refused', () => {
  const errors = (text: string): string[] =>
    loadWorkflowDocument(text, 'bad.workflow.yaml').diagnostics.map(
      (d) => `${d.line}:${d.column}: ${d.message} (hint: ${d.hint ?? ''})`,
    );

  it('on a wait, and on a steps or switch step without an id (once, if it is also retried)', () => {
    expect(
      errors(
        lines(
          'id: bad-timeouts',
          'steps:',
          '  - id: pause',
          '    timeout: 1m',
          '    wait: { duration: 5m }',
          '  - timeout: 1m',
          '    steps: [{ id: a, uses: noop }]',
          '  - timeout: 1m',
          '    on_failure: retry',
          '    switch: { cases: [{ when: true, steps: [{ id: b, uses: noop }] }] }',
        ),
      ),
    ).toEqual([
      '4:5: a wait step takes no timeout: it ends when its time comes (hint: to wait at most so long, put the wait in a steps group with an id and the timeout)',
      '6:5: this steps step has a timeout, so it needs an "id" (hint: its deadline is recorded under the id, so a resumed run keeps it)',
      '8:5: this switch step is retried as a whole, so it needs an "id" (hint: each attempt runs its steps again under <id>.attempt[<n>])',
    ]);
  });

  it('is accepted on every other kind, and on stages', () => {
    expect(
      errors(
        lines(
          'id: good-timeouts',
          'stages: [one]',
          'stage_configs:',
          '  one:',
          '    timeout: 1h',
          '    steps:',
          '      - { id: g, timeout: 1m, steps: [{ id: a, uses: noop }] }',
          '      - { id: p, timeout: 1m, parallel: { branches: [{ id: b, uses: noop }] } }',
          '      - { id: f, timeout: 1m, foreach: { items: [1], steps: [{ id: c, uses: noop }] } }',
          '      - { id: l, timeout: 1m, loop: { max_iters: 1, steps: [{ id: d, uses: noop }] } }',
          '      - id: s',
          '        timeout: 1m',
          '        switch: { cases: [{ when: true, steps: [{ id: e, uses: noop }] }] }',
          '      - { id: r, timeout: 1m, run: { workflow: other } }',
        ),
      ),
    ).toEqual([]);
  });
});
