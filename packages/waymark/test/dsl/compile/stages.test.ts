import { afterEach, describe, expect, it } from 'vitest';
import { createTestEngine, type TestEngine } from '../../../src/testing/test-engine.ts';
import { compileYaml, lines, newCalls, testExecutors } from './helpers.ts';

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const STAGE_LOOP = lines(
  'id: agent-loop',
  'stages: [plan, code, test, check]',
  'stage_configs:',
  '  plan:',
  '    uses: echo',
  '    with: { value: "plan-${ stage.iteration }" }',
  '  code:',
  '    mode: parallel',
  '    steps:',
  '      - { id: write, uses: echo, with: { value: "write-${ stage.iteration }" } }',
  '      - { id: lint, uses: echo, with: { value: "lint-${ iter.index }" } }',
  '  test:',
  '    uses: echo',
  '    with: { value: "${ stage.name }-${ stage.iteration }" }',
  '  check:',
  '    uses: echo',
  '    with: { value: { done: "${ stage.iteration == 2 }" } }',
  'loop:',
  '  max_iters: 5',
  '  stop_when: ${ steps.check.output.done }',
  '  fallback_next_stage: code',
  'output:',
  '  test: ${ steps.test.output }',
  '  code: ${ steps.code.output }',
);

describe('stages', () => {
  it('a stage loop returns to fallback_next_stage twice before stop_when holds', async () => {
    const calls = newCalls();
    const wf = compileYaml(STAGE_LOOP, { executors: testExecutors(calls) });
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, {});
    expect(await run.result()).toEqual({
      test: 'test-2',
      code: { write: 'write-2', lint: 'lint-2' },
    });
    const order = calls.list.map(([key, , value]) => `${key}=${JSON.stringify(value)}`);
    expect(order).toEqual([
      'stage.plan[0]="plan-0"',
      'stage.code[0].write="write-0"',
      'stage.code[0].lint="lint-0"',
      'stage.test[0]="test-0"',
      'stage.check[0]={"done":false}',
      'stage.code[1].write="write-1"',
      'stage.code[1].lint="lint-1"',
      'stage.test[1]="test-1"',
      'stage.check[1]={"done":false}',
      'stage.code[2].write="write-2"',
      'stage.code[2].lint="lint-2"',
      'stage.test[2]="test-2"',
      'stage.check[2]={"done":true}',
    ]);
    const keys = (await t.engine.steps(run.id)).map((s) => s.key).sort();
    expect(keys).toEqual(
      [...new Set(calls.list.map(([k]) => k))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  });

  it('stops after max_iters when stop_when never holds', async () => {
    const calls = newCalls();
    const wf = compileYaml(
      STAGE_LOOP.replace('max_iters: 5', 'max_iters: 2').replace(
        'stop_when: ${ steps.check.output.done }',
        'stop_when: false',
      ),
      { executors: testExecutors(calls) },
    );
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, {});
    expect(await run.result()).toEqual({
      test: 'test-1',
      code: { write: 'write-1', lint: 'lint-1' },
    });
    expect(calls.list.filter(([k]) => k.startsWith('stage.plan'))).toHaveLength(1);
  });
});
