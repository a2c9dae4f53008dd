import { describe, expect, it } from 'vitest';
import {
  type StepContext,
  type StepTimeoutError,
  defineWorkflow,
  serializeError,
} from '../../src/index.ts';
import type { Store } from '../../src/core/store.ts';
import { openSqliteStore } from '../../src/storage/sqlite/index.ts';
import { FakeClock } from '../../src/testing/fake-clock.ts';
import { createTestEngine } from '../../src/testing/test-engine.ts';
import { testEnginesClosedAfterEach } from '../closed-after-each.ts';

const testEngine = testEnginesClosedAfterEach();

/** A step function that runs until its signal aborts, then fails with the abort reason. */
function untilAborted({ signal }: StepContext): Promise<never> {
  return new Promise((_, reject) =>
    signal.addEventListener('abort', () => reject(signal.reason as Error)),
  );
}

const ONE_ATTEMPT = { maxAttempts: 1 };
// Where a step runs while the clock moves to a deadline, the deadline is under half the
// test engine's lease (30s): a longer move would also need its heartbeat, which on PostgreSQL
// takes real time the fake clock does not wait for.

/** A store whose calls, once `die()` is called, never settle: a worker that crashed. */
function storeThatDies(store: Store): { store: Store; die(): void } {
  let dead = false;
  const never = new Promise<never>(() => {});
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown =>
        dead ? never : (value as (...a: unknown[]) => unknown).apply(target, args);
    },
  });
  return { store: proxy, die: () => (dead = true) };
}

describe('ctx.group with a timeout', () => {
  it('cancels the calls inside at its deadline, then fails STEP_TIMEOUT, recorded', async () => {
    let verifying = false;
    const wf = defineWorkflow({ name: 'group-timeout', retry: ONE_ATTEMPT }, async (ctx) => {
      const outcome = await ctx
        .group('deploy', { timeout: '10s' }, async (_attempt, signal) => {
          await ctx.step('upload', { signal }, () => 'uploaded');
          await ctx.step('verify', { signal }, (sc) => {
            verifying = true;
            return untilAborted(sc);
          });
          await ctx.step('never', { signal }, () => 'never');
        })
        .catch((error: unknown) => error);
      await ctx.sleep('nap', '1m'); // parks: the group is replayed, settled, after its deadline
      return { outcome: serializeError(outcome), after: await ctx.step('after', () => 'went on') };
    });
    const t = await testEngine({ workflows: [wf] });
    const start = t.clock.now();
    const run = await t.engine.start(wf, null);
    await expect.poll(() => verifying).toBe(true);
    await t.clock.advance('10s');
    await t.waitForStatus(run.id, 'sleeping');
    await t.clock.advance('1m');
    const { outcome, after } = (await run.result()) as { outcome: unknown; after: string };
    expect(outcome).toMatchObject({
      type: 'StepTimeoutError',
      code: 'STEP_TIMEOUT',
      step: 'deploy',
      message: 'step "deploy" timed out after 10s',
    });
    expect(after).toBe('went on');
    const steps = await t.engine.steps(run.id);
    expect(steps.map((s) => `${s.key} ${s.kind} ${s.status}`)).toEqual([
      'deploy group failed',
      'upload run completed',
      'verify run cancelled',
      'nap sleep completed',
      'after run completed',
    ]);
    const history = await t.engine.history(run.id);
    const deploy = history.filter((e) => e.stepKey === 'deploy');
    expect(deploy.map((e) => e.type)).toEqual(['step.started', 'step.failed']);
    expect(deploy[0]?.data).toEqual({
      maxAttempts: 1,
      message: 'attempt 1 of 1',
      deadlineAt: start + 10_000,
    });
    expect(deploy[1]?.data['error']).toMatchObject({ code: 'STEP_TIMEOUT', step: 'deploy' });
    const cancelled = history.filter((e) => e.type === 'step.cancelled');
    expect(cancelled.map((e) => [e.stepKey, e.data['message']])).toEqual([
      ['verify', 'step "deploy" timed out after 10s'],
    ]);
  });

  it('keeps the deadline it recorded: a run parked inside wakes by it, on another engine too', async () => {
    const wf = defineWorkflow({ name: 'group-deadline', retry: ONE_ATTEMPT }, async (ctx) =>
      ctx
        .group('wait-for-it', { timeout: '5m' }, async (_attempt, signal) => {
          await ctx.sleep('short', '2m', { signal });
          await ctx.sleep('long', '1h', { signal });
          return 'woke';
        })
        .catch((error: unknown) => (error as Error).message),
    );
    const first = await testEngine({ workflows: [wf] });
    const start = first.clock.now();
    const run = await first.engine.start(wf, null);
    await first.waitForStatus(run.id, 'sleeping');
    expect((await first.engine.getRun(run.id))?.wakeAt).toBe(start + 120_000);
    await first.engine.stop();
    // Another engine resumes it after the short sleep: the deadline stays start + 5m.
    const second = await testEngine({ workflows: [wf], store: first.store, clock: first.clock });
    await second.clock.advance('2m');
    // Replayed, and parked again in the long sleep: due by the deadline it recorded.
    await expect
      .poll(async () => (await second.engine.getRun(run.id))?.wakeAt)
      .toBe(start + 300_000);
    await second.clock.advance('3m');
    await second.waitForStatus(run.id, 'completed');
    expect((await second.engine.getRun(run.id))?.output).toBe(
      'step "wait-for-it" timed out after 5m',
    );
    const steps = await second.engine.steps(run.id);
    expect(steps.map((s) => `${s.key} ${s.status}`)).toEqual([
      'wait-for-it failed',
      'short completed',
      'long cancelled',
    ]);
  });

  it('keeps the deadline it recorded when its worker dies mid-group and another recovers it', async () => {
    let slowStarts = 0;
    const wf = defineWorkflow({ name: 'group-crash', retry: ONE_ATTEMPT }, async (ctx) =>
      ctx
        .group('deploy', { timeout: '5m' }, async (_attempt, signal) => {
          await ctx.step('first', { signal }, () => 'done');
          return ctx.step('slow', { signal }, (sc) => {
            slowStarts++;
            return untilAborted(sc);
          });
        })
        .catch((error: unknown) => (error as Error).message),
    );
    const clock = new FakeClock();
    const store = await openSqliteStore({ path: ':memory:' });
    // The first worker dies: from now on its store calls never return (nor write anything).
    const dying = storeThatDies(store);
    const first = await createTestEngine({ workflows: [wf], store: dying.store, clock });
    const start = clock.now();
    const run = await first.engine.start(wf, null);
    await expect.poll(() => slowStarts).toBe(1);
    dying.die();
    await clock.advance('1m'); // its lease (30s) expires
    const second = await createTestEngine({ workflows: [wf], store, clock });
    try {
      await expect
        .poll(async () => (await store.listEvents({ runId: run.id })).map((e) => e.type))
        .toContain('run.recovered');
      await expect.poll(() => slowStarts).toBe(2);
      // A deadline counted from the recovery would be start + 6m.
      await clock.advanceTo(start + 300_000 - 1);
      expect((await store.getRun({ runId: run.id }))?.status).toBe('running');
      await clock.advance(1);
      await second.waitForStatus(run.id, 'completed');
      expect((await store.getRun({ runId: run.id }))?.output).toBe(
        'step "deploy" timed out after 5m',
      );
    } finally {
      await second.close();
      await store.close();
    }
  });

  it('a timed-out attempt is retried like any failure, with a deadline of its own', async () => {
    let fetching = false;
    const wf = defineWorkflow({ name: 'group-retry' }, async (ctx) =>
      ctx.group(
        'fetch',
        { timeout: '10s', retry: { maxAttempts: 2, initialInterval: '10s' } },
        async (attempt, signal) => {
          const at = attempt === 1 ? '' : `attempt[${attempt}].`;
          return ctx.step(`fetch.${at}get`, { signal }, (sc) => {
            fetching = true;
            return attempt === 1 ? untilAborted(sc) : `got it on attempt ${attempt}`;
          });
        },
      ),
    );
    const t = await testEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    await expect.poll(() => fetching).toBe(true);
    await t.clock.advance('10s');
    await t.waitForStatus(run.id, 'sleeping');
    await t.clock.advance('10s');
    expect(await run.result()).toBe('got it on attempt 2');
    const events = (await t.engine.history(run.id)).filter((e) => e.stepKey === 'fetch');
    expect(events.map((e) => e.type)).toEqual([
      'step.started',
      'step.failed',
      'step.retrying',
      'step.started',
      'step.succeeded',
    ]);
  });

  it('waits for calls that ignore the signal, then fails STEP_TIMEOUT all the same', async () => {
    let release!: () => void;
    let slowStarted = false;
    const slow = new Promise<string>((resolve) => (release = () => resolve('late')));
    const wf = defineWorkflow({ name: 'group-deaf', retry: ONE_ATTEMPT }, async (ctx) =>
      ctx
        .group('deaf', { timeout: '10s' }, async () =>
          ctx.step('slow', () => {
            slowStarted = true;
            return slow;
          }),
        )
        .catch((error: unknown) => (error as StepTimeoutError).code),
    );
    const t = await testEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    await expect.poll(() => slowStarted).toBe(true);
    await t.clock.advance('10s');
    release();
    expect(await run.result()).toBe('STEP_TIMEOUT');
    expect((await t.engine.steps(run.id)).map((s) => `${s.key} ${s.status}`)).toEqual([
      'deaf failed',
      'slow completed',
    ]);
  });
});

describe('ctx.run with a timeout', () => {
  const child = defineWorkflow({ name: 'child-sleeper' }, async (ctx) => {
    await ctx.sleep('nap', '1h');
    return 'rested';
  });

  it('cancels the child run at its deadline and fails the step STEP_TIMEOUT', async () => {
    const parent = defineWorkflow({ name: 'bounded-parent' }, async (ctx) =>
      ctx
        .run(child, null, { name: 'nap-child', timeout: '5m' })
        .catch((error: unknown) => (error as StepTimeoutError).message),
    );
    const t = await testEngine({ workflows: [parent, child] });
    const start = t.clock.now();
    const run = await t.engine.start(parent, null);
    await t.waitForStatus(run.id, 'waiting');
    // Parked waiting for its child, and due by the step's deadline.
    expect((await t.engine.getRun(run.id))?.wakeAt).toBe(start + 300_000);
    await t.clock.advance('5m');
    expect(await run.result()).toBe('step "nap-child" timed out after 5m');
    const [step] = await t.engine.steps(run.id);
    expect(step).toMatchObject({ key: 'nap-child', status: 'failed' });
    const childRun = await t.engine.getRun(step?.childRunId ?? '');
    expect(childRun).toMatchObject({
      status: 'cancelled',
      error: { message: `step "nap-child" of run ${run.id} timed out` },
    });
  });

  it('a child that ends in time is its result; its deadline leaves nothing behind', async () => {
    const quick = defineWorkflow({ name: 'child-quick' }, async (ctx) =>
      ctx.step('work', () => 'done quickly'),
    );
    const parent = defineWorkflow({ name: 'bounded-quick' }, async (ctx) =>
      ctx.run(quick, null, { timeout: '5m' }),
    );
    const t = await testEngine({ workflows: [parent, quick] });
    const run = await t.engine.start(parent, null);
    expect(await run.result()).toBe('done quickly');
    const history = await t.engine.history(run.id);
    await t.clock.advance('5m');
    expect(await t.engine.history(run.id)).toEqual(history);
    expect((await t.engine.steps(run.id))[0]).toMatchObject({ status: 'completed', wakeAt: null });
  });
});
