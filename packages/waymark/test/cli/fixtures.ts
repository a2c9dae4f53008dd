/** Workflow modules written into scratch dirs by the CLI tests. Fast: short retries and sleeps. */

export const BASIC_WORKFLOW = `
import { defineWorkflow } from 'waymark';
import { z } from 'zod';

export default defineWorkflow(
  { name: 'basic', version: '2', input: z.object({ name: z.string(), count: z.number() }) },
  async (ctx, input) => {
    const greeting = await ctx.step('greet', () => 'hi ' + input.name);
    const tries = await ctx.step(
      'flaky',
      { retry: { maxAttempts: 3, initialInterval: 10, jitter: 0 } },
      ({ attempt }) => {
        if (attempt === 1) throw new Error('first try fails');
        return attempt;
      },
    );
    await ctx.sleep('nap', 30);
    return { greeting, tries, doubled: input.count * 2 };
  },
);
`;

export const FAILING_WORKFLOW = `
import { defineWorkflow, NonRetryableError } from 'waymark';

export default defineWorkflow({ name: 'failing' }, async (ctx) => {
  await ctx.step('ok', () => 1);
  await ctx.step('explode', () => {
    throw new NonRetryableError('the widget is broken');
  });
  return 'unreachable';
});
`;

export const PARENT_CHILD_WORKFLOWS = `
import { defineWorkflow } from 'waymark';

export const child = defineWorkflow({ name: 'child-job' }, async (ctx, input) => {
  return ctx.step('square', () => (input as { n: number }).n ** 2);
});

export default defineWorkflow({ name: 'parent-job' }, async (ctx) => {
  const squared = await ctx.run(child, { n: 7 });
  return { squared };
});

export const other = defineWorkflow({ name: 'other-job' }, async () => 'other');
`;

/** Steps that wait on a promise the test resolves through globalThis: an interruptible run. */
export const GATED_WORKFLOW = `
import { defineWorkflow } from 'waymark';

const gate = (globalThis.__cliTestGate ??= {});

export default defineWorkflow({ name: 'gated' }, async (ctx) => {
  const first = await ctx.step('first', async () => {
    gate.firstStarted?.();
    await gate.release;
    return 'one';
  });
  const second = await ctx.step('second', () => 'two');
  return [first, second];
});
`;

export const NO_WORKFLOW_MODULE = `
export const helper = 1;
export function notAWorkflow() {}
`;
