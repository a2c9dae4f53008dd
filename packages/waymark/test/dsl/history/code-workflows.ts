/**
 * Code twins of some golden YAML workflows: the same steps written with `defineWorkflow` and
 * the `ctx` primitives, as a user would write them by hand. Same names, keys and policies: a
 * YAML executor step with no retry makes one attempt, hence `ONE_ATTEMPT` on these workflows.
 */
import { z } from 'zod';
import { NonRetryableError } from '../../../src/core/errors.ts';
import { createLogExecutor, invokeExecutor } from '../../../src/executors/index.ts';
import { defineWorkflow, type WorkflowDefinition } from '../../../src/runtime/workflow.ts';

const ONE_ATTEMPT = { maxAttempts: 1 };

export const retryInCode = defineWorkflow({ name: 'retry' }, async (ctx) => {
  const flaky = await ctx.step(
    'flaky',
    { retry: { maxAttempts: 5, initialInterval: '1s', backoffCoefficient: 2 } },
    ({ attempt }) => {
      if (attempt < 3) throw new Error(`attempt ${attempt} failed`);
      return { attempt };
    },
  );
  let hopeless = 'succeeded';
  try {
    await ctx.step(
      'hopeless',
      { retry: { maxAttempts: 2, initialInterval: '10s' } },
      ({ attempt }) => {
        throw new Error(`attempt ${attempt} failed`);
      },
    );
  } catch {
    hopeless = 'failed';
  }
  return { flaky, hopeless };
});

export const foreachInCode = defineWorkflow(
  {
    name: 'foreach-concurrency',
    retry: ONE_ATTEMPT,
    input: z.object({
      platforms: z.array(z.string()).default(['linux', 'darwin', 'windows', 'freebsd']),
    }),
  },
  async (ctx, { platforms }) => {
    const results: Array<{ compile: string; package: string }> = [];
    let next = 0;
    // Two iterations at a time, each taking the next item when it is done.
    const worker = async (): Promise<void> => {
      while (next < platforms.length) {
        const i = next++;
        const compile = await ctx.step(`build[${i}].compile`, () => `${platforms[i]}-${i}`);
        const pkg = await ctx.step(`build[${i}].package`, () => `${compile}.tar.gz`);
        results[i] = { compile, package: pkg };
      }
    };
    await Promise.all([worker(), worker()]);
    return results;
  },
);

export const waitInCode = defineWorkflow({ name: 'wait', retry: ONE_ATTEMPT }, async (ctx) => {
  await ctx.step('before', () => 'before');
  await ctx.sleep('cool_down', '5m');
  await ctx.sleepUntil('until_launch', new Date('2026-01-01T01:00:00Z'));
  await ctx.step('after', () => 'after');
  return null;
});

const childNotify = defineWorkflow(
  { name: 'child-notify', retry: ONE_ATTEMPT, input: z.object({ text: z.string() }) },
  async (ctx, { text }) => ctx.step('send', () => `sent: ${text}`),
);

export const runChildInCode = defineWorkflow(
  { name: 'run-child', retry: ONE_ATTEMPT },
  async (ctx) => {
    const before = await ctx.step('before', () => 1);
    const notify = await ctx.run(childNotify, { text: `released ${before}` }, { name: 'notify' });
    return ctx.step('after', () => notify);
  },
);

export const onFailureInCode = defineWorkflow(
  { name: 'on-failure-continue', retry: ONE_ATTEMPT },
  async (ctx) => {
    let optional = { status: 'succeeded', message: '' };
    try {
      await ctx.step('optional', () => {
        throw new NonRetryableError('optional check failed');
      });
    } catch (error) {
      optional = { status: 'failed', message: (error as Error).message };
    }
    await ctx.step('report', () => `${optional.status}: ${optional.message}`);
    await ctx.step('required', () => {
      throw new NonRetryableError('required check failed');
    });
    await ctx.step('never', () => 'never');
  },
);

/** `if` in code: the step is skipped with ctx.skip, under the key the YAML step has. */
export const sequenceIfInCode = defineWorkflow(
  {
    name: 'sequence-if',
    retry: ONE_ATTEMPT,
    input: z.object({ version: z.string().default('1.2.3'), dry_run: z.boolean().default(true) }),
  },
  async (ctx, input) => {
    const tag = `v${input.version}`;
    const skip = (key: string, condition: string): Promise<void> =>
      ctx.skip(key, `if ${condition} is false`, { data: { condition } });
    const log = createLogExecutor();
    await ctx.step('announce', (step) =>
      invokeExecutor(log, { message: `Releasing ${tag}` }, step),
    );
    let publish = 'skipped';
    if (input.dry_run) await skip('publish', '${ !inputs.dry_run }');
    else publish = await ctx.step('publish', () => `published ${tag}`);
    const note = input.dry_run
      ? await ctx.step('note', () => `publish was ${publish}`)
      : (await skip('note', '${ inputs.dry_run }'), null);
    const released = await ctx.step('record', () => tag);
    if (input.dry_run) await skip('steps[4]', '${ !inputs.dry_run }');
    else await ctx.step('tweet', () => `Released ${tag}`);
    return { released, publish, note };
  },
);

const childSlow = defineWorkflow({ name: 'child-slow', retry: ONE_ATTEMPT }, async (ctx) => {
  await ctx.sleep('nap', '1d');
  return null;
});

/** ctx.group and ctx.run with timeouts, as the YAML steps with a timeout are. */
export const timeoutInCode = defineWorkflow(
  { name: 'timeout', retry: ONE_ATTEMPT },
  async (ctx) => {
    const code = (error: unknown): string => (error as { code: string }).code;
    let tooLong = 'succeeded';
    const bounded = await ctx
      .group('bounded', { timeout: '5m' }, async (_attempt, signal) => {
        await ctx.step('quick', { signal }, () => 'quick');
        await ctx.sleep('too_long', '1h', { signal }).catch((error: unknown) => {
          tooLong = 'cancelled';
          throw error;
        });
      })
      .then(() => 'none', code);
    const notify = await ctx
      .run(childSlow, {}, { name: 'notify', timeout: '10m' })
      .then(() => 'none', code);
    return ctx.step('after', () => `${bounded} ${tooLong} ${notify}`);
  },
);

export const CODE_TWINS: ReadonlyArray<[string, WorkflowDefinition]> = [
  ['sequence-if', sequenceIfInCode as WorkflowDefinition],
  ['retry', retryInCode as WorkflowDefinition],
  ['foreach-concurrency', foreachInCode as WorkflowDefinition],
  ['wait', waitInCode as WorkflowDefinition],
  ['run-child', runChildInCode as WorkflowDefinition],
  ['on-failure-continue', onFailureInCode as WorkflowDefinition],
  ['timeout', timeoutInCode as WorkflowDefinition],
];
