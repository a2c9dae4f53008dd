import { afterEach, describe, expect, it } from 'vitest';
import type { Store } from '../../../src/core/store.ts';
import { openSqliteStore } from '../../../src/storage/sqlite/index.ts';
import { FakeClock } from '../../../src/testing/fake-clock.ts';
import { createTestEngine, type TestEngine } from '../../../src/testing/test-engine.ts';
import { compileYaml, lines, newCalls, testExecutors } from './helpers.ts';

let engines: TestEngine[] = [];
let store: Store | undefined;
afterEach(async () => {
  for (const e of engines) await e.close();
  engines = [];
  await store?.close();
  store = undefined;
});

describe('replay of compiled workflows', () => {
  it('a new engine resumes a foreach mid-way without running finished work again', async () => {
    const calls = newCalls();
    const wf = compileYaml(
      lines(
        'id: resumable',
        'vars: { total: 0 }',
        'steps:',
        '  - id: each',
        '    foreach:',
        '      items: ${ [1, 2, 3] }',
        '      steps:',
        '        - { id: work, uses: echo, with: { value: "${ item * 10 }" } }',
        '        - { id: pause, wait: { duration: "${ string(item) + \\"m\\" }" } }',
        '  - id: after',
        '    uses: echo',
        '    with: { value: "${ steps.each.output.map(o, o.work) }" }',
        'output: ${ steps.after.output }',
      ),
      { executors: testExecutors(calls) },
    );
    const clock = new FakeClock();
    store = await openSqliteStore({ path: ':memory:' });
    const first = await createTestEngine({ workflows: [wf], store, clock });
    engines.push(first);
    const run = await first.engine.start(wf, {});
    await first.waitForStatus(run.id, 'sleeping');
    await clock.advance('1m');
    await first.waitForStatus(run.id, 'sleeping');
    await first.close();
    engines = [];
    const done = calls.list.length;
    expect(done).toBe(2); // each[0] and each[1] ran; each[1] is paused

    const second = await createTestEngine({ workflows: [wf], store, clock });
    engines.push(second);
    await second.waitForStatus(run.id, 'sleeping');
    await clock.advance('2m');
    await second.waitForStatus(run.id, 'sleeping');
    await clock.advance('3m');
    expect(await second.engine.waitForEnd(run.id)).toMatchObject({ status: 'completed' });
    expect(await second.engine.getRun(run.id)).toMatchObject({ output: [10, 20, 30] });
    const perKey = new Map<string, number>();
    for (const [key] of calls.list) perKey.set(key, (perKey.get(key) ?? 0) + 1);
    expect([...perKey.values()].every((n) => n === 1)).toBe(true);
    expect([...perKey.keys()].sort()).toEqual([
      'after',
      'each[0].work',
      'each[1].work',
      'each[2].work',
    ]);
  });

  it('a step skipped by its if is recorded once (step.skipped, its condition), replays or not', async () => {
    const wf = compileYaml(
      lines(
        'id: skips',
        'steps:',
        '  - id: each',
        '    foreach:',
        '      items: ${ [1, 2, 3] }',
        '      steps:',
        '        - { id: even, if: "${ item % 2 == 0 }", uses: echo, with: { value: "${ item }" } }',
        '        - { id: pause, wait: { duration: 1m } }',
        '  - if: false',
        '    steps: [{ id: never, uses: noop }]',
        'output: ${ steps.each.output.map(o, o.even) }',
      ),
      { executors: testExecutors(newCalls()) },
    );
    const t = await createTestEngine({ workflows: [wf] });
    engines.push(t);
    const run = await t.engine.start(wf, {});
    for (let i = 0; i < 3; i++) {
      await t.waitForStatus(run.id, 'sleeping');
      await t.clock.advance('1m');
    }
    expect(await run.result()).toEqual([null, 2, null]);
    const skipped = (await t.engine.history(run.id)).filter((e) => e.type === 'step.skipped');
    expect(skipped.map((e) => [e.stepKey, e.data])).toEqual([
      [
        'each[0].even',
        { reason: 'if ${ item % 2 == 0 } is false', condition: '${ item % 2 == 0 }' },
      ],
      [
        'each[2].even',
        { reason: 'if ${ item % 2 == 0 } is false', condition: '${ item % 2 == 0 }' },
      ],
      ['steps[1]', { reason: 'if: false', condition: 'false' }],
    ]);
  });

  it('outputs reshape a step result', async () => {
    const calls = newCalls();
    const wf = compileYaml(
      lines(
        'id: shaped',
        'steps:',
        '  - id: raw',
        '    uses: echo',
        '    with: { value: { a: 1, b: 2 } }',
        '    outputs: { sum: "${ steps.raw.output.a + steps.raw.output.b }" }',
        'output: { sum: "${ steps.raw.output.sum }", raw: "${ steps.raw.status }" }',
      ),
      { executors: testExecutors(calls) },
    );
    const t = await createTestEngine({ workflows: [wf] });
    engines.push(t);
    const run = await t.engine.start(wf, {});
    expect(await run.result()).toEqual({ sum: 3, raw: 'succeeded' });
  });
});
