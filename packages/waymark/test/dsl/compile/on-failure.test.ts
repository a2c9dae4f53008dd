import { afterEach, describe, expect, it } from 'vitest';
import { loadWorkflowDocument } from '../../../src/dsl/load-workflow-file.ts';
import { createTestEngine, type TestEngine } from '../../../src/testing/test-engine.ts';
import {
  type Calls,
  calledSteps,
  compileYaml,
  lines,
  newCalls,
  stepTable,
  testExecutors,
} from './helpers.ts';

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function start(text: string, calls: Calls) {
  const wf = compileYaml(text, { executors: testExecutors(calls) });
  t = await createTestEngine({ workflows: [wf] });
  return { run: await t.engine.start(wf, {}), t };
}

const messages = async (t: TestEngine, runId: string, type: string) =>
  (await t.engine.history(runId))
    .filter((e) => e.type === type)
    .map((e) => `${e.stepKey}: ${String(e.data['message'])}`);

describe('on_failure on an executor step', () => {
  it('stop (the default): one attempt, then the run fails and later steps do not run', async () => {
    const calls = newCalls();
    const { run, t } = await start(
      lines(
        'id: stop',
        'steps:',
        '  - { id: shaky, uses: fails_first, with: { name: s, times: 1 } }',
        '  - { id: never, uses: echo, with: { value: 1 } }',
      ),
      calls,
    );
    await expect(run.result()).rejects.toThrow('s: call 1 failed');
    expect(calledSteps(calls)).toEqual(['shaky']);
    expect(await messages(t, run.id, 'step.started')).toEqual(['shaky: attempt 1 of 1']);
  });

  it('continue: one attempt, the failure recorded, the run goes on', async () => {
    const calls = newCalls();
    const { run } = await start(
      lines(
        'id: continue',
        'steps:',
        '  - id: shaky',
        '    uses: fails_first',
        '    on_failure: continue',
        '    with: { name: s, times: 1 }',
        '  - { id: after, uses: echo, with: { value: "${ steps.shaky.status }" } }',
        'output: ${ [steps.after.output, steps.shaky.error.message] }',
      ),
      calls,
    );
    expect(await run.result()).toEqual(['failed', 's: call 1 failed']);
    expect(calledSteps(calls)).toEqual(['shaky', 'after']);
  });

  it('retry: retried durably with the engine default (3 attempts, 1s then 2s) when no policy is given', async () => {
    const calls = newCalls();
    const { run, t } = await start(
      lines(
        'id: retry',
        'steps:',
        '  - id: shaky',
        '    uses: fails_first',
        '    on_failure: retry',
        '    with: { name: s, times: 2 }',
        'output: ${ steps.shaky.output.calls }',
      ),
      calls,
    );
    await t.waitForStatus(run.id, 'sleeping');
    await t.clock.advance('1s');
    await t.waitForStatus(run.id, 'sleeping');
    await t.clock.advance('2s');
    expect(await run.result()).toBe(3);
    expect(await messages(t, run.id, 'step.retrying')).toEqual([
      'shaky: attempt 2 of 3 in 1s',
      'shaky: attempt 3 of 3 in 2s',
    ]);
    expect(await stepTable(t, run.id)).toEqual(['shaky completed 3']);
  });

  it('retry: follows the step retry policy, and fails like stop once attempts run out', async () => {
    const calls = newCalls();
    const { run, t } = await start(
      lines(
        'id: exhausted',
        'steps:',
        '  - id: shaky',
        '    uses: fails_first',
        '    on_failure: retry',
        '    retry: { max_attempts: 2, backoff: { initial: 30s } }',
        '    with: { name: s, times: 5 }',
        '  - { id: never, uses: echo, with: { value: 1 } }',
      ),
      calls,
    );
    await t.waitForStatus(run.id, 'sleeping');
    await t.clock.advance('30s');
    await expect(run.result()).rejects.toThrow('s: call 2 failed');
    expect(calledSteps(calls)).toEqual(['shaky', 'shaky']);
    expect(await stepTable(t, run.id)).toEqual(['shaky failed 2']);
  });

  it('defaults.retry gives every executor step its attempts, whatever on_failure', async () => {
    const calls = newCalls();
    const { run, t } = await start(
      lines(
        'id: defaults',
        'defaults: { retry: { max_attempts: 2, backoff: { initial: 5s } } }',
        'steps:',
        '  - { id: shaky, uses: fails_first, with: { name: s, times: 1 } }',
      ),
      calls,
    );
    await t.waitForStatus(run.id, 'sleeping');
    await t.clock.advance('5s');
    expect(await run.result()).toBeNull();
    expect(await stepTable(t, run.id)).toEqual(['shaky completed 2']);
  });
});

describe('on_failure: retry on a step of steps', () => {
  it('retries the whole group, its steps running anew under <id>.attempt[n]', async () => {
    const calls = newCalls();
    const { run, t } = await start(
      lines(
        'id: group-retry',
        'steps:',
        '  - id: deploy',
        '    on_failure: retry',
        '    retry: { max_attempts: 3, backoff: { initial: 10s } }',
        '    steps:',
        '      - { id: upload, uses: echo, with: { value: up } }',
        '      - { id: verify, uses: fails_first, with: { name: v, times: 1 } }',
        'output: ${ [steps.upload.output, steps.verify.output.calls, steps.deploy.status] }',
      ),
      calls,
    );
    await t.waitForStatus(run.id, 'sleeping');
    expect(await messages(t, run.id, 'step.retrying')).toEqual(['deploy: attempt 2 of 3 in 10s']);
    await t.clock.advance('10s');
    expect(await run.result()).toEqual(['up', 2, 'succeeded']);
    expect(calledSteps(calls)).toEqual([
      'upload',
      'verify',
      'deploy.attempt[2].upload',
      'deploy.attempt[2].verify',
    ]);
    expect(await stepTable(t, run.id)).toEqual([
      'deploy completed 2',
      'deploy.attempt[2].upload completed 1',
      'deploy.attempt[2].verify completed 1',
      'upload completed 1',
      'verify failed 1',
    ]);
  });

  it('a stage of steps with on_failure: retry and retries is retried as a whole', async () => {
    const calls = newCalls();
    const { run, t } = await start(
      lines(
        'id: stage-retry',
        'stages: [build, check]',
        'stage_configs:',
        '  build:',
        '    on_failure: retry',
        '    retries: 1',
        '    retry_backoff: { initial: 3s }',
        '    steps:',
        '      - { id: compile, uses: fails_first, with: { name: c, times: 1 } }',
        '  check:',
        '    uses: fails_first',
        '    on_failure: retry',
        '    retries: 2',
        '    retry_backoff: { initial: 1s, factor: 1 }',
        '    with: { name: k, times: 2 }',
      ),
      calls,
    );
    await t.waitForStatus(run.id, 'sleeping');
    expect(await messages(t, run.id, 'step.retrying')).toEqual([
      'stage.build[0]: attempt 2 of 2 in 3s',
    ]);
    await t.clock.advance('3s');
    await t.waitForStatus(run.id, 'sleeping');
    await t.clock.advance('1s');
    await t.waitForStatus(run.id, 'sleeping');
    await t.clock.advance('1s');
    expect(await run.result()).toBeNull();
    expect(calledSteps(calls)).toEqual([
      'stage.build[0].compile',
      'stage.build[0].attempt[2].compile',
      'stage.check[0]',
      'stage.check[0]',
      'stage.check[0]',
    ]);
  });

  it('validation: a run or wait cannot be retried, and a retried group needs an id', () => {
    const { diagnostics } = loadWorkflowDocument(
      lines(
        'id: bad-retry',
        'steps:',
        '  - id: child',
        '    on_failure: retry',
        '    run: { workflow: other }',
        '  - id: pause',
        '    retry: { max_attempts: 2 }',
        '    wait: { duration: 1m }',
        '  - on_failure: retry',
        '    steps:',
        '      - { id: a, uses: noop }',
      ),
      'bad.workflow.yaml',
    );
    expect(diagnostics.map((d) => `${d.line}:${d.column}: ${d.message}`)).toEqual([
      '4:17: a run step cannot be retried',
      '7:12: a wait step cannot be retried',
      '9:5: this steps step is retried as a whole, so it needs an "id"',
    ]);
  });
});
