import { afterEach, describe, expect, it } from 'vitest';
import { defineWorkflow } from '../../src/index.ts';
import { type TestEngine, createTestEngine } from '../../src/testing/test-engine.ts';

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('ctx.skip', () => {
  it('records the decision once: a step.skipped event, and no second one on replay', async () => {
    const wf = defineWorkflow({ name: 'skips' }, async (ctx) => {
      await ctx.skip('publish', 'dry run', { data: { channel: 'beta' } });
      await ctx.sleep('pause', '1m'); // parks: the rest runs in a replay
      return ctx.step('after', () => 'done');
    });
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    await t.waitForStatus(run.id, 'sleeping');
    await t.clock.advance('1m');
    expect(await run.result()).toBe('done');
    const skipped = (await t.engine.history(run.id)).filter((e) => e.type === 'step.skipped');
    expect(skipped).toEqual([
      expect.objectContaining({
        stepKey: 'publish',
        attempt: 1,
        data: { reason: 'dry run', channel: 'beta' },
      }),
    ]);
    const steps = await t.engine.steps(run.id);
    expect(steps.find((s) => s.key === 'publish')).toMatchObject({
      kind: 'skip',
      status: 'completed',
    });
  });

  it('records nothing once its signal aborted (nothing more of a cancelled scope is)', async () => {
    const wf = defineWorkflow({ name: 'skips-cancelled' }, async (ctx) => {
      const scope = new AbortController();
      scope.abort(new Error('a sibling failed'));
      await ctx.skip('late', 'not needed', { signal: scope.signal });
      return ctx.step('after', () => 'done');
    });
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    expect(await run.result()).toBe('done');
    expect((await t.engine.steps(run.id)).map((s) => s.key)).toEqual(['after']);
    expect((await t.engine.history(run.id)).some((e) => e.type === 'step.skipped')).toBe(false);
  });
});
