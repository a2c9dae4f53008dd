/**
 * A stopped worker must claim nothing. The worker processes of the crash tests stop their
 * engine and close the store when their runs are done; a claim round that fired after stop()
 * (a wake-up scheduled just before it) used to claim and execute a run with no heartbeat left
 * to renew its lease, so another worker would reclaim it and run its steps a second time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/core/ids.ts';
import { defineWorkflow } from '../../src/index.ts';
import { settle } from '../../src/testing/fake-clock.ts';
import { type TestEngine, createTestEngine } from '../../src/testing/test-engine.ts';

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

describe('worker stop', () => {
  it('claims nothing after stop(), even when a wake-up was already scheduled', async () => {
    let executed = 0;
    const wf = defineWorkflow({ name: 'after-stop' }, async (ctx) =>
      ctx.step('work', () => ++executed),
    );
    t = await createTestEngine({ workflows: [wf] });
    // The worker's first claim round must be over (it found nothing: the worker is idle)
    // before the run exists. Counted, not assumed: a store on a network takes real time.
    const store = t.store;
    const claimRuns = store.claimRuns.bind(store);
    let claimRounds = 0;
    store.claimRuns = async (params) => {
      try {
        return await claimRuns(params);
      } finally {
        claimRounds++;
      }
    };
    const deadline = Date.now() + 5_000;
    while (claimRounds === 0 && Date.now() < deadline) await settle(1);
    expect(claimRounds).toBe(1);
    // A run created elsewhere (another process), announced here by a call that wakes the
    // worker on the next immediate. (engine.start would claim it at once: an eager start.)
    const { run } = await t.store.createRun({
      id: uuidv7(t.clock.now()),
      workflowName: wf.name,
      workflowVersion: null,
      input: null,
      now: t.clock.now(),
      events: [{ type: 'run.created', at: t.clock.now() }],
    });
    await t.engine.resume(run.id); // not paused: changes nothing, schedules a wake-up
    await t.engine.stop();
    await settle(20);
    expect(executed).toBe(0);
    expect(await t.engine.getRun(run.id)).toMatchObject({ status: 'pending', leaseOwner: null });
    expect((await t.engine.history(run.id)).map((e) => e.type)).toEqual(['run.created']);
  });
});
