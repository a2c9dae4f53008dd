/**
 * `result()` of a run this process executes (or just started, and will execute) reads
 * nothing: the execution hands over how the run ended once the end is committed. Runs ended
 * any other way are read from the store.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../until.ts';
import {
  ChildWorkflowError,
  createEngine,
  defineWorkflow,
  NonRetryableError,
} from '../../src/index.ts';
import { CancelledError } from '../../src/core/errors.ts';
import { settle } from '../../src/testing/fake-clock.ts';
import { type TestEngine, createTestEngine } from '../../src/testing/test-engine.ts';

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** Counts the store's getRun calls. */
function countReads(engine: TestEngine): { reads: number } {
  const counter = { reads: 0 };
  const getRun = engine.store.getRun.bind(engine.store);
  engine.store.getRun = (params) => {
    counter.reads++;
    return getRun(params);
  };
  return counter;
}

describe('result() of a run executed here', () => {
  it('resolves with the output as recorded, without reading the run', async () => {
    const wf = defineWorkflow({ name: 'handover' }, async (ctx) => {
      const n = await ctx.step('a', () => 20);
      return { n: n * 2, at: undefined, list: [1, 'x'] };
    });
    t = await createTestEngine({ workflows: [wf] });
    const reads = countReads(t);
    const run = await t.engine.start(wf, null);
    const output = await run.result();
    expect(reads.reads).toBe(0);
    // Exactly what a read returns: the recorded JSON.
    expect(output).toEqual((await t.engine.getRun(run.id))?.output);
    expect(output).toEqual({ n: 40, list: [1, 'x'] });
  });

  it('rejects with the recorded error, of the class it was thrown as', async () => {
    const wf = defineWorkflow({ name: 'handover-fail' }, async (ctx) => {
      await ctx.step('a', () => {
        throw new NonRetryableError('no way');
      });
    });
    t = await createTestEngine({ workflows: [wf] });
    const reads = countReads(t);
    const run = await t.engine.start(wf, null);
    const error = await run.result().catch((e: unknown) => e);
    expect(reads.reads).toBe(0);
    expect(error).toBeInstanceOf(NonRetryableError);
    expect((error as Error).message).toBe('no way');
    const stored = await t.engine.getRun(run.id);
    expect(stored?.error?.message).toBe('no way');
  });

  it('a child failure surfaces the same way', async () => {
    const child = defineWorkflow({ name: 'handover-child' }, async () => {
      throw new NonRetryableError('child broke');
    });
    const parent = defineWorkflow({ name: 'handover-parent' }, async (ctx) => ctx.run(child, null));
    t = await createTestEngine({ workflows: [parent, child] });
    const run = await t.engine.start(parent, null);
    await expect(run.result()).rejects.toBeInstanceOf(ChildWorkflowError);
  });

  it('a run cancelled while it executes is read, and rejects with CancelledError', async () => {
    const wf = defineWorkflow({ name: 'handover-cancel' }, async (ctx) => {
      await ctx.step(
        'wait',
        ({ signal }) => new Promise((r) => signal.addEventListener('abort', r)),
      );
    });
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    const result = run.result();
    await t.waitForStatus(run.id, 'running');
    await run.cancel();
    await expect(result).rejects.toBeInstanceOf(CancelledError);
  });

  it('a run this process does not execute is read from the store', async () => {
    const wf = defineWorkflow({ name: 'handover-elsewhere' }, async () => 'done');
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    await run.result();
    const reads = countReads(t);
    // A second handle on the ended run: nothing executes it here any more.
    expect(await t.engine.handle(run.id).result()).toBe('done');
    expect(reads.reads).toBe(1);
  });

  it('an end announced while result() reads the run is not missed (a slow store)', async () => {
    const wf = defineWorkflow({ name: 'handover-slow-read' }, async (ctx) =>
      ctx.step('a', () => 7),
    );
    t = await createTestEngine({ workflows: [wf] });
    // Started by a client engine (no worker): this one did not start it, so result() reads it.
    const client = createEngine({ store: t.store, clock: t.clock, workflows: [wf], worker: false });
    const run = await client.start(wf, null, { delay: '1m' });
    // The read sees the run pending, but answers only after the run ended.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const getRun = t.store.getRun.bind(t.store);
    let held = 0;
    t.store.getRun = async (params) => {
      const record = await getRun(params);
      if (held++ === 0) await gate;
      return record;
    };
    const result = t.engine.handle(run.id).result();
    await settle(2);
    await t.clock.advance('1m');
    await t.waitForStatus(run.id, 'completed');
    release();
    // Without the waiter registered before the read, only the 1 s end poll (a fake clock
    // that does not move here) would notice: this would hang.
    expect(await result).toBe(7);
  });
});

describe('result() of a run started here', () => {
  it('reads nothing, even while the run waits to be claimed', async () => {
    const wf = defineWorkflow({ name: 'handover-queued' }, async (ctx) => ctx.step('a', () => 1));
    t = await createTestEngine({ workflows: [wf] });
    const reads = countReads(t);
    // 30 runs on a worker of 10: most wait, pending, for a slot.
    const runs = await Promise.all(Array.from({ length: 30 }, () => t!.engine.start(wf, null)));
    expect(await Promise.all(runs.map((run) => run.result()))).toEqual(runs.map(() => 1));
    expect(reads.reads).toBe(0);
  });

  it('reads a run that ended here before result() was called', async () => {
    const wf = defineWorkflow({ name: 'handover-early' }, async (ctx) => ctx.step('a', () => 'x'));
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    await t.waitForStatus(run.id, 'completed');
    const reads = countReads(t);
    // The clock does not move: only a read (not the 1 s poll) can answer.
    expect(await run.result()).toBe('x');
    expect(reads.reads).toBe(1);
  });

  it('reads a run cancelled before result() was called', async () => {
    const wf = defineWorkflow({ name: 'handover-cancelled-early' }, async () => 'never');
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null, { delay: '1h' });
    await run.cancel();
    await expect(run.result()).rejects.toBeInstanceOf(CancelledError);
  });

  it('reads the run once this engine stopped, when another ends it', async () => {
    const wf = defineWorkflow({ name: 'handover-moved' }, async (ctx) => ctx.step('a', () => 3));
    const first = await createTestEngine({ workflows: [wf] });
    const run = await first.engine.start(wf, null, { delay: '1m' });
    const result = run.result();
    await first.engine.stop();
    // Another engine on the same store, as after a restart, executes it.
    t = await createTestEngine({ workflows: [wf], store: first.store, clock: first.clock });
    await t.clock.advance('1m');
    await t.waitForStatus(run.id, 'completed');
    // Waiting on the first engine: its fake clock does not move, so only a read can answer.
    expect(await run.result()).toBe(3);
    // A result() waiting since before the stop re-read the run then, and now at the poll.
    await t.clock.advance('1s');
    expect(await result).toBe(3);
  });

  it('finds runs ended elsewhere by one read per poll, not one per waiter', async () => {
    const wf = defineWorkflow({ name: 'handover-polled' }, async (ctx) => ctx.step('a', () => 5));
    t = await createTestEngine({ workflows: [wf] });
    // Waited on by a client engine; executed by t's worker.
    const client = createEngine({ store: t.store, clock: t.clock, workflows: [wf], worker: false });
    const runs = await Promise.all(
      Array.from({ length: 20 }, () => client.start(wf, null, { delay: '1m' })),
    );
    const results = Promise.all(runs.map((run) => run.result()));
    await settle(2);
    const reads = countReads(t);
    const polls: number[] = [];
    let answered = 0;
    const listEndedRuns = t.store.listEndedRuns.bind(t.store);
    t.store.listEndedRuns = (params) => {
      polls.push(params.runIds.length);
      return listEndedRuns(params).finally(() => answered++);
    };
    for (let i = 1; i <= 5; i++) {
      await t.clock.advance('1s');
      // The next poll is armed once this one's read answered (real I/O on PostgreSQL).
      await until(() => answered >= i);
      await settle(2);
    }
    expect(polls).toEqual([20, 20, 20, 20, 20]);
    let done = false;
    void results.then(() => (done = true));
    await t.clock.advance('1m');
    // Executed here by t; the client finds the ends at its next poll.
    const { clock } = t;
    await until(async () => {
      if (done) return true;
      await clock.advance('1s');
      return false;
    });
    expect(await results).toEqual(runs.map(() => 5));
    // Nothing read run by run: each poll asked once for all twenty.
    expect(reads.reads).toBe(0);
    await client.stop();
  });

  it('a waiter whose store cannot answer the poll reads its run itself, and rejects if that fails too', async () => {
    const wf = defineWorkflow({ name: 'handover-broken-store' }, async () => 'never');
    t = await createTestEngine({ workflows: [wf] });
    const client = createEngine({ store: t.store, clock: t.clock, workflows: [wf], worker: false });
    const run = await client.start(wf, null, { delay: '1h' });
    const result = client.handle(run.id).result();
    result.catch(() => {});
    await settle(2);
    // Two errors: result() must reject with its own read's, not the poll's.
    t.store.listEndedRuns = () => Promise.reject(new Error('the poll failed'));
    const failure = new Error('the database went away');
    t.store.getRun = () => Promise.reject(failure);
    await t.clock.advance('1s');
    await expect(result).rejects.toBe(failure);
    await client.stop();
  });

  it('reads a run that ended here long before, whatever ended since', async () => {
    const wf = defineWorkflow({ name: 'handover-long-ago' }, async () => 'kept');
    t = await createTestEngine({ workflows: [wf], worker: { concurrency: 100 } });
    const first = await t.engine.start(wf, null);
    await t.waitForStatus(first.id, 'completed');
    // Many runs start and end after it: the engine no longer counts it among those it will
    // hand over (it ended here), so its result() reads, however busy the engine has been.
    for (let i = 0; i < 2; i++) {
      const runs = await Promise.all(
        Array.from({ length: 1_000 }, () => t!.engine.start(wf, null)),
      );
      await Promise.all(runs.map((run) => run.result()));
    }
    // The clock does not move: only a read (not the 1 s poll) can answer.
    expect(await first.result()).toBe('kept');
  });
});
