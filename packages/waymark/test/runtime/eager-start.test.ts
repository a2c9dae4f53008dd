/**
 * Eager start: `engine.start` of a run due now, with a free slot in this process's worker,
 * creates the run already claimed (one write) and executes it at once; otherwise the run is
 * created pending and claimed by the poll loop as before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { defineWorkflow } from '../../src/index.ts';
import type { ClaimRunsParams } from '../../src/core/store.ts';
import { settle } from '../../src/testing/fake-clock.ts';
import { type TestEngine, createTestEngine } from '../../src/testing/test-engine.ts';

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Counts the store's claimRuns calls that claimed something. */
function countClaims(engine: TestEngine): { claimed: number } {
  const counter = { claimed: 0 };
  const claimRuns = engine.store.claimRuns.bind(engine.store);
  engine.store.claimRuns = async (params: ClaimRunsParams) => {
    const runs = await claimRuns(params);
    counter.claimed += runs.length;
    return runs;
  };
  return counter;
}

describe('eager start', () => {
  it('creates a run already claimed and runs it without a claim round', async () => {
    const wf = defineWorkflow({ name: 'eager' }, async (ctx) => ctx.step('a', () => 1));
    t = await createTestEngine({ workflows: [wf] });
    await settle();
    const claims = countClaims(t);
    const run = await t.engine.start(wf, null);
    expect(await run.result()).toBe(1);
    expect(claims.claimed).toBe(0);
    const history = await t.engine.history(run.id);
    expect(history.map((e) => e.type)).toEqual([
      'run.created',
      'run.started',
      'step.started',
      'step.succeeded',
      'run.completed',
    ]);
    expect(history[1]?.data).toMatchObject({ recoveryCount: 0 });
  });

  it('never runs more than the concurrency: the rest wait pending and are claimed later', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let running = 0;
    let peak = 0;
    const wf = defineWorkflow({ name: 'eager-full' }, async (ctx) =>
      ctx.step('work', async () => {
        peak = Math.max(peak, ++running);
        await gate;
        running--;
        return 1;
      }),
    );
    t = await createTestEngine({ workflows: [wf], worker: { concurrency: 2 } });
    await settle();
    const claims = countClaims(t);
    const handles = await Promise.all([1, 2, 3, 4, 5].map(() => t!.engine.start(wf, null)));
    await settle(10);
    const statuses = await Promise.all(handles.map((h) => h.status()));
    expect(statuses.filter((s) => s === 'running')).toHaveLength(2);
    expect(statuses.filter((s) => s === 'pending')).toHaveLength(3);
    release();
    expect(await Promise.all(handles.map((h) => h.result()))).toEqual([1, 1, 1, 1, 1]);
    expect(peak).toBe(2);
    expect(claims.claimed).toBe(3);
  });

  it('does not claim a delayed run early', async () => {
    const wf = defineWorkflow({ name: 'eager-delayed' }, async (ctx) => ctx.step('a', () => 1));
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null, { delay: '1m' });
    await settle(5);
    expect(await run.status()).toBe('pending');
    await t.clock.advance(60_000);
    expect(await run.result()).toBe(1);
  });

  it('returns the existing run for a used idempotency key, and frees the reserved slot', async () => {
    const wf = defineWorkflow({ name: 'eager-idem' }, async (ctx) => ctx.step('a', () => 1));
    t = await createTestEngine({ workflows: [wf], worker: { concurrency: 1 } });
    const first = await t.engine.start(wf, null, { idempotencyKey: 'k' });
    expect(await first.result()).toBe(1);
    const again = await t.engine.start(wf, null, { idempotencyKey: 'k' });
    expect(again.id).toBe(first.id);
    const other = await t.engine.start(wf, null);
    expect(await other.result()).toBe(1);
  });
});
