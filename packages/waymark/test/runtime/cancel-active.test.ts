/**
 * `engine.cancel` stops the executions of the cancelled tree that run in this process: the
 * store says which runs it cancelled, so nothing is read.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defineWorkflow } from '../../src/index.ts';
import { CancelledError } from '../../src/core/errors.ts';
import { settle } from '../../src/testing/fake-clock.ts';
import { type TestEngine, createTestEngine } from '../../src/testing/test-engine.ts';

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const waitForAbort = defineWorkflow({ name: 'cancel-active-leaf' }, async (ctx) => {
  await ctx.step('wait', ({ signal }) => new Promise((r) => signal.addEventListener('abort', r)));
});
const middle = defineWorkflow({ name: 'cancel-active-middle' }, async (ctx) =>
  ctx.run(waitForAbort, null),
);
const top = defineWorkflow({ name: 'cancel-active-top' }, async (ctx) => ctx.run(middle, null));

describe('engine.cancel with runs executing here', () => {
  it('cancels the tree executing here, reading no active run', async () => {
    t = await createTestEngine({ workflows: [top, middle, waitForAbort] });
    const others = await Promise.all([1, 2, 3].map(() => t!.engine.start(waitForAbort, null)));
    const root = await t.engine.start(top, null);
    for (const run of others) await t.waitForStatus(run.id, 'running');
    const child = await childOf(t, root.id);
    const grandchild = await childOf(t, child);
    await t.waitForStatus(grandchild, 'running');
    const leafResult = t.engine.handle(grandchild).result();

    const read: string[] = [];
    const getRun = t.store.getRun.bind(t.store);
    t.store.getRun = (params) => {
      read.push(params.runId);
      return getRun(params);
    };
    await root.cancel('stop');
    await expect(leafResult).rejects.toBeInstanceOf(CancelledError);
    // Its parent is parked, not executing here: the store's answer names it all the same.
    // The one read is the leaf's result() fetching how it ended; no active run was read.
    expect(new Set(read)).toEqual(new Set([grandchild]));
    t.store.getRun = getRun;
    for (const run of others) expect(await run.status()).toBe('running');
    expect(await t.engine.handle(child).status()).toBe('cancelled');
  });
});

describe('engine.cancel of a parent executing here with its child', () => {
  it('tells from the parent link that the child is in the tree', async () => {
    const busyParent = defineWorkflow({ name: 'cancel-active-busy' }, async (ctx) => {
      // A step in flight keeps the parent executing while its child runs.
      await Promise.all([
        ctx.run(waitForAbort, null),
        ctx.step('busy', ({ signal }) => new Promise((r) => signal.addEventListener('abort', r))),
      ]);
    });
    t = await createTestEngine({ workflows: [busyParent, waitForAbort] });
    const parent = await t.engine.start(busyParent, null);
    const child = await childOf(t, parent.id);
    await t.waitForStatus(child, 'running');
    await t.waitForStatus(parent.id, 'running');
    const read: string[] = [];
    const getRun = t.store.getRun.bind(t.store);
    t.store.getRun = (params) => {
      read.push(params.runId);
      return getRun(params);
    };
    await parent.cancel();
    t.store.getRun = getRun;
    expect(read).toEqual([]);
    await expect(t.engine.handle(child).result()).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('engine.cancel on the event bus', () => {
  it('announces run.cancelled for exactly the runs the cancel ended, once', async () => {
    t = await createTestEngine({ workflows: [middle, waitForAbort] });
    const announced: Array<{ runId: string; workflowName: string; reason: unknown }> = [];
    t.engine.on((event) => {
      if (event.kind === 'run-event' && event.type === 'run.cancelled') {
        const { runId, workflowName, data } = event;
        announced.push({ runId, workflowName, reason: data['reason'] });
      }
    });
    const root = await t.engine.start(middle, null);
    const child = await childOf(t, root.id);
    await t.waitForStatus(child, 'running');
    await root.cancel('enough');
    await root.cancel('again');
    expect(announced).toEqual([
      { runId: root.id, workflowName: 'cancel-active-middle', reason: 'enough' },
      {
        runId: child,
        workflowName: 'cancel-active-leaf',
        reason: `ancestor run ${root.id} was cancelled: enough`,
      },
    ]);
    // What listeners heard is what the history holds.
    const stored = (await t.engine.history(child)).find((e) => e.type === 'run.cancelled');
    expect(stored?.data).toEqual({ reason: `ancestor run ${root.id} was cancelled: enough` });
  });
});

/** The id of the run's child, once it was started (in real time, briefly). */
async function childOf(engine: TestEngine, parentRunId: string): Promise<string> {
  for (let i = 0; i < 500; i++) {
    const [child] = (await engine.engine.listRuns({ parentRunId })).runs;
    if (child !== undefined) return child.id;
    await settle(2);
  }
  throw new Error(`run ${parentRunId} started no child`);
}
