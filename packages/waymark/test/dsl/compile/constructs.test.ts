import { afterEach, describe, expect, it } from 'vitest';
import { createTestEngine, type TestEngine } from '../../../src/testing/test-engine.ts';
import { type Calls, compileYaml, lines, newCalls, stepTable, testExecutors } from './helpers.ts';

let t: TestEngine | undefined;
let calls: Calls;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

async function runYaml(text: string, input: Record<string, unknown> = {}) {
  calls = newCalls();
  const wf = compileYaml(text, { executors: testExecutors(calls) });
  t = await createTestEngine({ workflows: [wf] });
  const run = await t.engine.start(wf, input);
  return { wf, run, t };
}

describe('compiled YAML workflows', () => {
  it('runs steps in sequence with vars, inputs defaults, set and the output template', async () => {
    const { run, t } = await runYaml(
      lines(
        'id: seq',
        'version: 2',
        'inputs:',
        '  version: { type: string, required: true }',
        '  n: { type: integer, default: 3 }',
        'vars: { tag: "v${ inputs.version }" }',
        'steps:',
        '  - id: greet',
        '    uses: echo',
        '    with: { value: "releasing ${ vars.tag }" }',
        '  - id: count',
        '    uses: echo',
        '    with: { value: { n: "${ inputs.n }" } }',
        '  - id: assign',
        '    uses: set',
        '    with: { doubled: "${ steps.count.output.n * 2 }" }',
        'output:',
        '  greeting: ${ steps.greet.output }',
        '  doubled: ${ vars.doubled }',
        '  status: ${ steps.greet.status }',
      ),
      { version: '1.2.3' },
    );
    expect(await run.result()).toEqual({
      greeting: 'releasing v1.2.3',
      doubled: 6,
      status: 'succeeded',
    });
    expect(await stepTable(t, run.id)).toEqual([
      'assign completed 1',
      'count completed 1',
      'greet completed 1',
    ]);
    const record = await t.engine.getRun(run.id);
    expect(record?.workflowName).toBe('seq');
    expect(record?.workflowVersion).toBe('2');
  });

  it('rejects invalid input when the run starts', async () => {
    calls = newCalls();
    const wf = compileYaml(
      lines(
        'id: strict',
        'inputs:',
        '  n: { type: integer, required: true }',
        'steps:',
        '  - { id: a, uses: noop }',
      ),
      { executors: testExecutors(calls) },
    );
    t = await createTestEngine({ workflows: [wf] });
    await expect(t.engine.start(wf, { n: 'three' })).rejects.toThrow(/invalid input/);
  });

  it('skips a step whose if is false, and shows it as skipped', async () => {
    const { run, t } = await runYaml(
      lines(
        'id: cond',
        'inputs: { go: { type: boolean, default: false } }',
        'steps:',
        '  - id: maybe',
        '    if: ${ inputs.go }',
        '    uses: echo',
        '    with: { value: 1 }',
        '  - id: after',
        '    uses: echo',
        '    with: { value: "${ steps.maybe.status }" }',
        'output: ${ steps.after.output }',
      ),
    );
    expect(await run.result()).toBe('skipped');
    expect(await stepTable(t, run.id)).toEqual(['after completed 1', 'maybe completed 1']);
    expect((await t.engine.steps(run.id)).find((s) => s.key === 'maybe')?.kind).toBe('skip');
  });

  it('on_failure: continue records the failure and goes on', async () => {
    const { run } = await runYaml(
      lines(
        'id: cont',
        'steps:',
        '  - id: boom',
        '    uses: fail',
        '    on_failure: continue',
        '    with: { message: nope }',
        '  - id: after',
        '    uses: echo',
        '    with: { value: "${ steps.boom.status }: ${ steps.boom.error.message }" }',
        'output: ${ steps.after.output }',
      ),
    );
    expect(await run.result()).toBe('failed: nope');
  });

  it('a failing step fails the run by default', async () => {
    const { run, t } = await runYaml(
      lines(
        'id: stop',
        'steps:',
        '  - { id: boom, uses: fail, with: { message: nope } }',
        '  - { id: never, uses: noop }',
      ),
    );
    await expect(run.result()).rejects.toThrow(/nope/);
    expect(await stepTable(t, run.id)).toEqual(['boom failed 1']);
  });

  it('retries through the engine with the step retry policy', async () => {
    const { run, t } = await runYaml(
      lines(
        'id: retry',
        'defaults: { retry: { max_attempts: 2 } }',
        'steps:',
        '  - id: shaky',
        '    uses: flaky',
        '    retry: { max_attempts: 3, backoff: { initial: 10s, factor: 2 } }',
        '    with: { succeed_on: 3 }',
        'output: ${ steps.shaky.output.attempt }',
      ),
    );
    await t.waitForStatus(run.id, 'sleeping', 'pending');
    await t.clock.advance('10s');
    await t.clock.advance('20s');
    expect(await run.result()).toBe(3);
    expect(calls.list.map(([k, a]) => `${k}#${a}`)).toEqual(['shaky#1', 'shaky#2', 'shaky#3']);
    expect(await stepTable(t, run.id)).toEqual(['shaky completed 3']);
  });

  it('foreach: an isolated scope per item, stable keys, bounded concurrency, output by index', async () => {
    const { run, t } = await runYaml(
      lines(
        'id: each',
        'inputs: { platforms: { type: array, default: [linux, darwin, windows] } }',
        'steps:',
        '  - id: build',
        '    foreach:',
        '      items: ${ inputs.platforms }',
        '      as: platform',
        '      concurrency: 2',
        '      steps:',
        '        - id: compile',
        '          uses: slow',
        '          with: { value: "${ platform }-${ iter.index }", ms: 30 }',
        '        - id: name',
        '          uses: set',
        '          with: { last: "${ steps.compile.output }" }',
        'output: ${ steps.build.output }',
      ),
    );
    expect(await run.result()).toEqual([
      { compile: 'linux-0', name: { last: 'linux-0' } },
      { compile: 'darwin-1', name: { last: 'darwin-1' } },
      { compile: 'windows-2', name: { last: 'windows-2' } },
    ]);
    expect(calls.maxInFlight).toBe(2);
    const keys = (await t.engine.steps(run.id)).map((s) => s.key).sort();
    expect(keys).toEqual([
      'build[0].compile',
      'build[0].name',
      'build[1].compile',
      'build[1].name',
      'build[2].compile',
      'build[2].name',
    ]);
  });

  it('parallel: branches at once, output in declaration order, fail_fast', async () => {
    const { run } = await runYaml(
      lines(
        'id: par',
        'steps:',
        '  - id: checks',
        '    parallel:',
        '      branches:',
        '        - { id: slowest, uses: slow, with: { value: a, ms: 60 } }',
        '        - { id: fast, uses: slow, with: { value: b, ms: 5 } }',
        '        - steps:',
        '            - { id: inner, uses: echo, with: { value: c } }',
        'output: ${ steps.checks.output }',
      ),
    );
    expect(await run.result()).toEqual(['a', 'b', { inner: 'c' }]);
    expect(calls.maxInFlight).toBe(2);

    await t?.close();
    const failing = await runYaml(
      lines(
        'id: par2',
        'steps:',
        '  - id: checks',
        '    parallel:',
        '      fail_fast: true',
        '      branches:',
        '        - { id: ok, uses: slow, with: { value: a, ms: 5 } }',
        '        - { id: bad, uses: fail, with: { message: lint failed } }',
      ),
    );
    await expect(failing.run.result()).rejects.toThrow(/lint failed/);
  });

  it('parallel: branch changes to vars merge in declaration order, not completion order', async () => {
    const { run } = await runYaml(
      lines(
        'id: par3',
        'steps:',
        '  - id: both',
        '    parallel:',
        '      branches:',
        '        - steps:',
        '            - { id: wait_a, uses: slow, with: { value: a, ms: 40 } }',
        '            - { id: set_a, uses: set, with: { winner: a } }',
        '        - { id: set_b, uses: set, with: { winner: b } }',
        'output: ${ [vars.winner, steps.set_a.status, steps.set_b.status] }',
      ),
    );
    expect(await run.result()).toEqual(['b', 'succeeded', 'succeeded']);
  });

  it('switch: the first case whose when holds, else the default', async () => {
    const text = lines(
      'id: sw',
      'inputs: { level: { type: string, default: low } }',
      'steps:',
      '  - switch:',
      '      cases:',
      '        - when: ${ inputs.level == "high" }',
      '          steps: [{ id: high, uses: echo, with: { value: H } }]',
      '        - when: ${ inputs.level == "mid" }',
      '          steps: [{ id: mid, uses: echo, with: { value: M } }]',
      '      default:',
      '        - { id: low, uses: echo, with: { value: L } }',
      'output: ${ [steps.high.status, steps.mid.status, steps.low.status] }',
    );
    const mid = await runYaml(text, { level: 'mid' });
    await expect(mid.run.result()).rejects.toThrow(/high/); // steps not reached are absent
    await t?.close();
    const text2 = text.replace(
      'output: ${ [steps.high.status, steps.mid.status, steps.low.status] }',
      'output: done',
    );
    for (const [level, key] of [
      ['high', 'high'],
      ['mid', 'mid'],
      ['other', 'low'],
    ] as const) {
      const r = await runYaml(text2, { level });
      expect(await r.run.result()).toBe('done');
      expect(await stepTable(r.t, r.run.id)).toEqual([`${key} completed 1`]);
      await t?.close();
      t = undefined;
    }
  });

  it('wait: durable sleep until the fake clock passes it', async () => {
    const { run, t } = await runYaml(
      lines(
        'id: waits',
        'steps:',
        '  - { id: before, uses: echo, with: { value: 1 } }',
        '  - id: pause',
        '    wait: { duration: 5m }',
        '  - { id: after, uses: echo, with: { value: 2 } }',
      ),
    );
    await t.waitForStatus(run.id, 'sleeping');
    expect(calls.list.map(([k]) => k)).toEqual(['before']);
    await t.clock.advance('5m');
    expect(await run.result()).toBeNull();
    expect(calls.list.map(([k]) => k)).toEqual(['before', 'after']);
    expect(await stepTable(t, run.id)).toEqual([
      'after completed 1',
      'before completed 1',
      'pause completed 1',
    ]);
  });

  it('loop: iteration-indexed keys, stop_when after each iteration', async () => {
    const { run, t } = await runYaml(
      lines(
        'id: loops',
        'steps:',
        '  - id: poll',
        '    loop:',
        '      max_iters: 10',
        '      stop_when: ${ steps.check.output >= 2 }',
        '      steps:',
        '        - id: check',
        '          uses: echo',
        '          with: { value: "${ iter.index }" }',
        'output: ${ steps.poll.output }',
      ),
    );
    expect(await run.result()).toEqual([{ check: 0 }, { check: 1 }, { check: 2 }]);
    expect(await stepTable(t, run.id)).toEqual([
      'poll[0].check completed 1',
      'poll[1].check completed 1',
      'poll[2].check completed 1',
    ]);
  });

  it('run: another workflow as a child run', async () => {
    calls = newCalls();
    const executors = testExecutors(calls);
    const child = compileYaml(
      lines(
        'id: notify-team',
        'inputs: { text: { type: string, required: true } }',
        'steps: [{ id: send, uses: echo, with: { value: "sent ${ inputs.text }" } }]',
        'output: ${ steps.send.output }',
      ),
      { executors },
    );
    const parent = compileYaml(
      lines(
        'id: parent',
        'steps:',
        '  - id: notify',
        '    run: { workflow: notify-team, inputs: { text: hello } }',
        'output: ${ steps.notify.output }',
      ),
      { executors, resolveWorkflow: (ref) => (ref === 'notify-team' ? child : undefined) },
    );
    t = await createTestEngine({ workflows: [parent] });
    const run = await t.engine.start(parent, {});
    expect(await run.result()).toBe('sent hello');
    const steps = await t.engine.steps(run.id);
    expect(steps.map((s) => [s.key, s.kind, s.status])).toEqual([['notify', 'child', 'completed']]);
    const childRun = await t.engine.getRun(steps[0]!.childRunId!);
    expect(childRun?.workflowName).toBe('notify-team');
    expect(childRun?.parentRunId).toBe(run.id);
  });
});
