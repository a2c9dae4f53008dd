import { afterEach, describe, expect, it } from 'vitest';
import { until } from '../until.ts';
import {
  CancelledError,
  ChildWorkflowError,
  NonDeterminismError,
  defineWorkflow,
  type WorkflowDefinition,
} from '../../src/index.ts';
import { type TestEngine, createTestEngine } from '../../src/testing/test-engine.ts';
import { settle } from '../../src/testing/fake-clock.ts';

let t: TestEngine;
afterEach(async () => {
  await t?.close();
});

describe('durable sleep', () => {
  it('parks the run, frees the slot, and never wakes early', async () => {
    let after = 0;
    const wf = defineWorkflow({ name: 'sleeper' }, async (ctx) => {
      await ctx.step('before', () => 1);
      await ctx.sleep('nap', '1h30m');
      after++;
      return ctx.step('after', () => 'done');
    });
    t = await createTestEngine({ workflows: [wf] });
    const start = t.clock.now();
    const run = await t.engine.start(wf, null);
    await t.waitForStatus(run.id, 'sleeping');
    const record = await t.engine.getRun(run.id);
    expect(record?.wakeAt).toBe(start + 90 * 60_000);
    expect(record?.leaseOwner).toBeNull();
    await t.clock.advance(90 * 60_000 - 1);
    expect((await t.engine.getRun(run.id))?.status).toBe('sleeping');
    expect(after).toBe(0);
    await t.clock.advance(1);
    expect(await run.result()).toBe('done');
    expect(after).toBe(1);
    const sleep = (await t.engine.steps(run.id)).find((s) => s.key === 'nap');
    expect(sleep).toMatchObject({ kind: 'sleep', output: start + 90 * 60_000 });
  });

  it('sleepUntil a past date does not park', async () => {
    const wf = defineWorkflow({ name: 'past' }, async (ctx) => {
      await ctx.sleepUntil('then', new Date(0));
      return 'ok';
    });
    t = await createTestEngine({ workflows: [wf] });
    expect(await (await t.engine.start(wf, null)).result()).toBe('ok');
  });

  it('replays recorded now/random/uuid values after a park', async () => {
    const seen: unknown[] = [];
    const wf = defineWorkflow({ name: 'values' }, async (ctx) => {
      const values = [(await ctx.now()).getTime(), await ctx.random(), await ctx.uuid()];
      seen.push(values);
      await ctx.sleep('nap', 1000);
      return values;
    });
    t = await createTestEngine({ workflows: [wf], random: Math.random });
    const run = await t.engine.start(wf, null);
    await t.waitForStatus(run.id, 'sleeping');
    await t.clock.advance(1000);
    const result = await run.result();
    expect(seen).toHaveLength(2);
    expect(seen[1]).toEqual(seen[0]);
    expect(result).toEqual(seen[0]);
  });

  it('keeps parallel branches running while one sleeps', async () => {
    const wf = defineWorkflow({ name: 'branches' }, async (ctx) =>
      Promise.all([
        (async () => {
          await ctx.sleep('wait', '10s');
          return ctx.step('late', () => 'late');
        })(),
        (async () => {
          const a = await ctx.step('a', () => 'a');
          return ctx.step('b', () => a + 'b');
        })(),
      ]),
    );
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    await t.waitForStatus(run.id, 'sleeping');
    expect((await t.engine.steps(run.id)).map((s) => s.key).sort()).toEqual(['a', 'b', 'wait']);
    await t.clock.advance('10s');
    expect(await run.result()).toEqual(['late', 'ab']);
  });

  it('starts a delayed run no earlier than its delay', async () => {
    const wf = defineWorkflow({ name: 'delayed' }, async () => 'ran');
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null, { delay: '5m' });
    await settle(10);
    expect(await run.status()).toBe('pending');
    await t.clock.advance('5m');
    expect(await run.result()).toBe('ran');
  });
});

describe('child runs', () => {
  const child = defineWorkflow({ name: 'child' }, async (ctx, input: { n: number }) => {
    const doubled = await ctx.step('double', () => input.n * 2);
    if (doubled > 100) throw new Error('too big');
    return doubled;
  });

  it('awaits a child durably and returns its output', async () => {
    const parent = defineWorkflow({ name: 'parent' }, async (ctx) => {
      const a = await ctx.run(child, { n: 2 });
      const b = await ctx.run(child, { n: 3 }, { name: 'second' });
      return a + b;
    });
    t = await createTestEngine({ workflows: [parent] });
    const run = await t.engine.start(parent, null);
    expect(await run.result()).toBe(10);
    const steps = await t.engine.steps(run.id);
    expect(steps.map((s) => [s.key, s.kind, s.status])).toEqual([
      ['child', 'child', 'completed'],
      ['second', 'child', 'completed'],
    ]);
    const children = (await t.engine.listRuns({ parentRunId: run.id })).runs;
    expect(children).toHaveLength(2);
    expect(children.every((c) => c.status === 'completed' && c.parentRunId === run.id)).toBe(true);
  });

  it('surfaces a child failure as a typed ChildWorkflowError', async () => {
    const parent = defineWorkflow({ name: 'parent-fails' }, async (ctx) => {
      try {
        await ctx.run(child, { n: 500 });
        return 'no';
      } catch (error) {
        return {
          isChildError: error instanceof ChildWorkflowError,
          code: (error as ChildWorkflowError).code,
          cause: ((error as Error).cause as Error).message,
        };
      }
    });
    t = await createTestEngine({ workflows: [parent] });
    expect(await (await t.engine.start(parent, null)).result()).toEqual({
      isChildError: true,
      code: 'CHILD_FAILED',
      cause: 'too big',
    });
  });

  it('cancelling the parent cancels its children and aborts their running step', async () => {
    let aborted = false;
    const stuck = defineWorkflow({ name: 'stuck' }, async (ctx) =>
      ctx.step(
        'forever',
        ({ signal }) =>
          new Promise((_, reject) =>
            signal.addEventListener('abort', () => {
              aborted = true;
              reject(new Error('aborted'));
            }),
          ),
      ),
    );
    const parent = defineWorkflow({ name: 'parent-of-stuck' }, async (ctx) => ctx.run(stuck, null));
    t = await createTestEngine({ workflows: [parent, stuck] });
    const run = await t.engine.start(parent, null);
    await t.waitForStatus(run.id, 'waiting');
    const [childRun] = (await t.engine.listRuns({ parentRunId: run.id })).runs;
    await t.waitForStatus(childRun!.id, 'running');
    await t.engine.cancel(run.id);
    await expect(run.result()).rejects.toBeInstanceOf(CancelledError);
    expect((await t.engine.getRun(childRun!.id))?.status).toBe('cancelled');
    await until(() => aborted);
  });
});

describe('cancel, pause and resume', () => {
  it('cancel aborts the running step signal and ends the run cancelled', async () => {
    let signalReason: unknown;
    const wf = defineWorkflow({ name: 'cancel-me' }, async (ctx) => {
      await ctx.step(
        'long',
        ({ signal }) =>
          new Promise((resolve) =>
            signal.addEventListener('abort', () => {
              signalReason = signal.reason;
              resolve('late result');
            }),
          ),
      );
      await ctx.step('never', () => 'x');
    });
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    await t.waitForStatus(run.id, 'running');
    await run.cancel('changed my mind');
    await expect(run.result()).rejects.toBeInstanceOf(CancelledError);
    expect(signalReason).toBeInstanceOf(CancelledError);
    await settle(5);
    const steps = await t.engine.steps(run.id);
    // The late result was not recorded (the attempt's start may or may not have been).
    expect(steps.find((s) => s.key === 'long')?.status).not.toBe('completed');
    expect(steps.find((s) => s.key === 'never')).toBeUndefined();
    expect((await t.engine.history(run.id)).some((e) => e.type === 'run.cancelled')).toBe(true);
  });

  it('pause takes effect at the next step boundary; resume continues', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const wf = defineWorkflow({ name: 'pausable' }, async (ctx) => {
      await ctx.step('one', () => gate.then(() => 1));
      await ctx.step('two', () => 2);
      return 'done';
    });
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    await t.waitForStatus(run.id, 'running');
    await run.pause();
    release();
    await t.waitForStatus(run.id, 'paused');
    const steps = await t.engine.steps(run.id);
    expect(steps.map((s) => [s.key, s.status])).toEqual([['one', 'completed']]);
    await t.clock.advance('1h');
    expect(await run.status()).toBe('paused');
    expect((await t.engine.history(run.id)).map((e) => e.type)).toContain('run.paused');
    await run.resume();
    expect(await run.result()).toBe('done');
  });

  it('stop() lets the step in flight finish, starts no new step, and leaves the run due for another worker', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const executed: string[] = [];
    const wf = defineWorkflow({ name: 'drained' }, async (ctx) => {
      await ctx.step('one', () => gate.then(() => executed.push('one')));
      await ctx.step('two', () => executed.push('two'));
      return executed;
    });
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    await t.waitForStatus(run.id, 'running');
    const stopping = t.engine.stop({ graceMs: 60_000 });
    release();
    await stopping;
    const parked = await t.engine.getRun(run.id);
    expect(parked).toMatchObject({ status: 'pending', leaseOwner: null });
    expect(executed).toEqual(['one']);
    const park = (await t.engine.history(run.id)).find((e) => e.type === 'run.parked');
    expect(park?.data['reasons']).toEqual(['shutdown']);
    const next = await createTestEngine({ workflows: [wf], store: t.store, clock: t.clock });
    expect(await next.engine.handle(run.id).result()).toEqual(['one', 'two']);
    await next.close();
  });

  it('pausing a sleeping run keeps its wake time across resume', async () => {
    const wf = defineWorkflow({ name: 'pause-sleeping' }, async (ctx) => {
      await ctx.sleep('nap', '10m');
      return 'woke';
    });
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    await t.waitForStatus(run.id, 'sleeping');
    await run.pause();
    expect(await run.status()).toBe('paused');
    await t.clock.advance('20m');
    expect(await run.status()).toBe('paused');
    await run.resume();
    expect(await run.result()).toBe('woke');
  });
});

describe('idempotency and determinism', () => {
  it('the same idempotency key twice returns the same run', async () => {
    let runs = 0;
    const wf = defineWorkflow({ name: 'once' }, async (ctx) => ctx.step('s', () => ++runs));
    t = await createTestEngine({ workflows: [wf] });
    const a = await t.engine.start(wf, null, { idempotencyKey: 'order-42' });
    const b = await t.engine.start(wf, null, { idempotencyKey: 'order-42' });
    expect(b.id).toBe(a.id);
    expect(await a.result()).toBe(1);
    const c = await t.engine.start(wf, null, { idempotencyKey: 'order-42' });
    expect(c.id).toBe(a.id);
    expect(runs).toBe(1);
  });

  it('fails with NON_DETERMINISM when replay meets another kind of step, naming both', async () => {
    let version = 1;
    const wf = defineWorkflow({ name: 'changes' }, async (ctx) => {
      if (version === 1) await ctx.sleep('thing', '1m');
      else await ctx.step('thing', () => 'x');
      return 'ok';
    });
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    await t.waitForStatus(run.id, 'sleeping');
    version = 2;
    await t.clock.advance('1m');
    const error = await run.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonDeterminismError);
    expect((error as Error).message).toContain('recorded as sleep "thing"');
    expect((error as Error).message).toContain('now calls run "thing"');
  });
});

describe('panic recovery and leases', () => {
  it('restarts after a system-level failure from the last recorded step', async () => {
    let crashes = 0;
    let firstRuns = 0;
    const wf = defineWorkflow(
      { name: 'panicky', panic: { maxRestarts: 3, restartDelay: '2s' } },
      async (ctx) => {
        await ctx.step('first', () => ++firstRuns);
        if (crashes++ < 2) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        return 'survived';
      },
    );
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    await t.waitForStatus(run.id, 'pending');
    expect((await t.engine.getRun(run.id))?.recoveryCount).toBe(1);
    await t.clock.advance('2s');
    await until(async () => (await t.engine.getRun(run.id))?.recoveryCount === 2);
    expect(crashes).toBe(2);
    await t.waitForStatus(run.id, 'pending');
    await t.clock.advance('2s');
    expect(await run.result()).toBe('survived');
    expect(firstRuns).toBe(1);
    const restarts = (await t.engine.history(run.id)).filter((e) => e.type === 'run.restarting');
    expect(restarts.map((e) => e.data['message'])).toEqual([
      'restart 1 of 3 in 2s',
      'restart 2 of 3 in 2s',
    ]);
  });

  it('fails, not restarts, when a step exhausts its attempts on a system error code', async () => {
    let attempts = 0;
    const wf = defineWorkflow(
      { name: 'step-econnreset', panic: { maxRestarts: 2, restartDelay: 100 } },
      async (ctx) =>
        ctx.step('call', { retry: { maxAttempts: 1 } }, () => {
          attempts++;
          throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        }),
    );
    t = await createTestEngine({ workflows: [wf] });
    const errors: unknown[] = [];
    t.engine.on((event) => {
      if (event.kind === 'engine-error') errors.push(event.error);
    });
    const run = await t.engine.start(wf, null);
    await expect(run.result()).rejects.toMatchObject({ code: 'ECONNRESET', step: 'call' });
    expect(attempts).toBe(1);
    expect((await t.engine.getRun(run.id))?.recoveryCount).toBe(0);
    expect(errors).toEqual([]);
  });

  it('fails with RECOVERY_LIMIT after too many restarts in a row', async () => {
    const wf = defineWorkflow(
      { name: 'hopeless', panic: { maxRestarts: 2, restartDelay: 100 } },
      async () => {
        throw Object.assign(new Error('broken pipe'), { code: 'EPIPE' });
      },
    );
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    for (let i = 1; i <= 2; i++) {
      // Parked for restart i (not merely still pending from the restart before).
      await until(async () => (await t.engine.getRun(run.id))?.recoveryCount === i);
      await t.waitForStatus(run.id, 'pending');
      await t.clock.advance(100);
    }
    await expect(run.result()).rejects.toMatchObject({ code: 'RECOVERY_LIMIT' });
  });

  it('reclaims a run whose worker died once its lease expires, without re-running recorded steps', async () => {
    const executed: string[] = [];
    const wf = defineWorkflow({ name: 'reclaim' }, async (ctx) => {
      await ctx.step('one', () => executed.push('one'));
      await ctx.step('two', () => executed.push('two'));
      return executed.length;
    });
    // A "dead" worker: claims the run through the store and never heartbeats.
    t = await createTestEngine({ workflows: [wf], worker: { leaseMs: 10_000, concurrency: 1 } });
    await t.engine.stop({ graceMs: 0 });
    const engineB = await createTestEngine({
      workflows: [wf],
      store: t.store,
      clock: t.clock,
      worker: { leaseMs: 10_000 },
    });
    // Record step one as if a previous worker did it, then hold a lease that will expire.
    const handle = await engineB.engine.start(wf, null, { delay: '1h' });
    const [claimed] = await t.store.claimRuns({
      workerId: 'dead',
      now: t.clock.now() + 3_600_000,
      leaseMs: 10_000,
      limit: 1,
    });
    expect(claimed?.id).toBe(handle.id);
    await t.store.saveStep({
      runId: handle.id,
      fencingToken: claimed!.fencingToken,
      now: t.clock.now(),
      events: [],
      step: {
        runId: handle.id,
        key: 'one',
        name: 'one',
        kind: 'run',
        status: 'completed',
        attempt: 1,
        output: 1,
        error: null,
        startedAt: t.clock.now(),
        finishedAt: t.clock.now(),
        wakeAt: null,
        childRunId: null,
      },
    });
    await t.clock.advance('1h');
    await settle(5);
    expect(executed).toEqual([]); // the lease is still valid: not stolen
    await t.clock.advance(10_001);
    expect(await handle.result()).toBe(1);
    expect(executed).toEqual(['two']);
    const run = await engineB.engine.getRun(handle.id);
    expect(run?.recoveryCount).toBe(0); // progress since the recovery resets it
    expect((await engineB.engine.history(handle.id)).some((e) => e.type === 'run.recovered')).toBe(
      true,
    );
    await engineB.close();
  });

  it('a stale worker cannot write after its lease was taken over', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const wf = defineWorkflow({ name: 'stale' }, async (ctx) =>
      ctx.step('slow', () => gate.then(() => 'stale result')),
    );
    t = await createTestEngine({ workflows: [wf], worker: { leaseMs: 1_000 } });
    const run = await t.engine.start(wf, null);
    await t.waitForStatus(run.id, 'running');
    // Simulate the lease being lost: another worker reclaims it after expiry.
    const stolenAt = t.clock.now() + 60_000;
    const current = await t.store.getRun({ runId: run.id });
    await t.store.extendLeases({ workerId: 'nobody', now: stolenAt, leaseMs: 1, runs: [] });
    const claimed = await t.store.claimRuns({
      workerId: 'thief',
      now: stolenAt,
      leaseMs: 60_000,
      limit: 1,
    });
    expect(claimed[0]?.fencingToken).toBe(current!.fencingToken + 1);
    release();
    await settle(10);
    const steps = await t.store.listSteps({ runId: run.id });
    expect(steps.find((s) => s.key === 'slow')?.status).not.toBe('completed');
    expect((await t.store.getRun({ runId: run.id }))?.leaseOwner).toBe('thief');
  });
});

export type { WorkflowDefinition };
