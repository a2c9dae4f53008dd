/**
 * The worker's slots: the end of one execution of a run never frees the slot of the run's
 * next execution.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defineWorkflow } from '../../src/index.ts';
import { settle } from '../../src/testing/fake-clock.ts';
import { type TestEngine, createTestEngine } from '../../src/testing/test-engine.ts';

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('worker slots', () => {
  it('keep a run restarted at once by a claim committed with its own park', async () => {
    let calls = 0;
    let stepStarts = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const wf = defineWorkflow(
      { name: 'slot-restart', panic: { maxRestarts: 3, restartDelay: 0 } },
      async (ctx) => {
        calls++;
        if (calls === 1) {
          // The run's panic parks it due now; a claim queued a few microtasks later, right
          // behind that park, commits in the same batch and sees the run due.
          let hops = 0;
          const hop = (): void => {
            if (++hops < 20) queueMicrotask(hop);
            else void t!.engine.tick();
          };
          queueMicrotask(hop);
          throw Object.assign(new Error('connection reset'), { code: 'ECONNRESET' });
        }
        await ctx.step('held', async () => {
          stepStarts++;
          await gate;
        });
        return 'done';
      },
    );
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    // (Real time: on PostgreSQL the restarted execution first reads the run's steps.)
    const until = Date.now() + 5_000;
    while (stepStarts === 0 && Date.now() < until) await settle(2);
    expect(stepStarts).toBe(1);
    // The second execution holds its slot, so its lease is renewed: past the lease, the run
    // is not recovered by a second execution starting the step again.
    await t.clock.advance('31s');
    await settle(5);
    expect(stepStarts).toBe(1);
    release();
    expect(await run.result()).toBe('done');
  });
});
