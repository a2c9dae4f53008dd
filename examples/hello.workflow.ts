// A first workflow: `npm run example`, or
//   npx waymark run examples/hello.workflow.ts --input name=world
// Every step's result is recorded, so interrupting it (Ctrl-C) and resuming it with
// `--resume <runId>` never repeats a finished step.
import { defineWorkflow } from 'waymark';
import { z } from 'zod';

export default defineWorkflow(
  { name: 'hello', version: '1', input: z.object({ name: z.string().min(1) }) },
  async (ctx, input) => {
    const greeting = await ctx.step('greet', () => `Hello, ${input.name}!`);

    // Fails on its first attempt: the failure is recorded, the run is parked for the
    // retry delay, and the second attempt succeeds. A crash during the delay loses nothing.
    const lucky = await ctx.step(
      'flaky-lookup',
      { retry: { maxAttempts: 3, initialInterval: '200ms', jitter: 0 } },
      ({ attempt }) => {
        if (attempt === 1) throw new Error('the lookup service is warming up');
        return { luckyNumber: input.name.length * 7, attempt };
      },
    );

    // A durable sleep: the wake time is recorded and the run leaves its worker meanwhile.
    await ctx.sleep('pause', '1s');

    // Recorded too: a replay sees the same time.
    const finishedAt = await ctx.now();
    return { greeting, ...lucky, finishedAt: finishedAt.toISOString() };
  },
);
