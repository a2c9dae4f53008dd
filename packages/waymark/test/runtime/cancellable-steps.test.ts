import { afterEach, describe, expect, it } from 'vitest';
import {
  NonRetryableError,
  RetryableError,
  StepCancelledError,
  defineWorkflow,
  serializeError,
  type StepContext,
} from '../../src/index.ts';
import { type TestEngine, createTestEngine } from '../../src/testing/test-engine.ts';

let t: TestEngine;
afterEach(async () => {
  await t?.close();
});

/** A step function that runs until its signal aborts, then fails with the abort reason. */
function untilAborted(seen: unknown[]): (sc: StepContext) => Promise<never> {
  return ({ signal }) =>
    new Promise((_, reject) =>
      signal.addEventListener('abort', () => {
        seen.push(signal.reason);
        reject(signal.reason as Error);
      }),
    );
}

const outcome = (r: PromiseSettledResult<unknown>): unknown =>
  r.status === 'fulfilled' ? r.value : serializeError(r.reason).code;

describe('a step cancelled through its signal (not the run)', () => {
  it('aborts the running attempt, records it cancelled, and the run goes on', async () => {
    const seen: unknown[] = [];
    let started!: () => void;
    const longStarted = new Promise<void>((resolve) => (started = resolve));
    const wf = defineWorkflow({ name: 'cancel-one' }, async (ctx) => {
      const scope = new AbortController();
      const results = await Promise.allSettled([
        ctx.step('long', { signal: scope.signal }, (sc) => {
          started();
          return untilAborted(seen)(sc);
        }),
        ctx.step('trigger', async () => {
          await longStarted;
          scope.abort(new Error('the other one failed'));
          return 'done';
        }),
      ]);
      const late = await ctx
        .step('late', { signal: scope.signal }, () => 'never')
        .catch((e: unknown) => e);
      return {
        results: results.map(outcome),
        message: (results[0] as PromiseRejectedResult).reason.message,
        late: late instanceof StepCancelledError ? late.details : late,
        after: await ctx.step('after', () => 'still running'),
      };
    });
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    expect(await run.result()).toEqual({
      results: ['STEP_CANCELLED', 'done'],
      message: 'step "long" was cancelled: the other one failed',
      late: { started: false },
      after: 'still running',
    });
    expect(seen).toHaveLength(1);
    const steps = await t.engine.steps(run.id);
    expect(steps.map((s) => `${s.key} ${s.status}`).sort()).toEqual([
      'after completed',
      'long cancelled',
      'trigger completed',
    ]);
    const cancelled = (await t.engine.history(run.id)).filter((e) => e.type === 'step.cancelled');
    expect(cancelled.map((e) => [e.stepKey, e.data['message']])).toEqual([
      ['long', 'the other one failed'],
    ]);
  });

  it('stops a sleep, a retry backoff and a child run without waiting for them', async () => {
    const childSeen: unknown[] = [];
    const child = defineWorkflow({ name: 'stuck-child' }, async (ctx) =>
      ctx.step('forever', untilAborted(childSeen)),
    );
    let attempts = 0;
    const wf = defineWorkflow({ name: 'cancel-waits' }, async (ctx) => {
      const scope = new AbortController();
      const { signal } = scope;
      const waits = [
        ctx.sleep('nap', '1h', { signal }),
        ctx.step('flaky', { signal, retry: { maxAttempts: 5, initialInterval: '1h' } }, () => {
          attempts++;
          throw new RetryableError('not yet');
        }),
        ctx.run(child, null, { name: 'child', signal }),
      ];
      // Once the child runs and the flaky step failed once, cancel them all.
      await ctx.step('cancel', async () => {
        const deadline = Date.now() + 5_000;
        while (!(attempts > 0 && (await childRunning())) && Date.now() < deadline) {
          await new Promise((r) => setImmediate(r));
        }
        scope.abort(new Error('stop waiting'));
      });
      return (await Promise.allSettled(waits)).map(outcome);
    });
    const childRunning = async (): Promise<boolean> => {
      const runs = await t.engine.listRuns({ workflow: 'stuck-child' });
      return runs.runs.some((r) => r.status === 'running');
    };
    t = await createTestEngine({ workflows: [wf, child] });
    const run = await t.engine.start(wf, null);
    expect(await run.result()).toEqual(['STEP_CANCELLED', 'STEP_CANCELLED', 'STEP_CANCELLED']);
    expect(attempts).toBe(1);
    const steps = await t.engine.steps(run.id);
    expect(steps.map((s) => `${s.key} ${s.kind} ${s.status} ${s.attempt}`).sort()).toEqual([
      'cancel run completed 1',
      'child child cancelled 1',
      'flaky run cancelled 1',
      'nap sleep cancelled 1',
    ]);
    expect(childSeen).toHaveLength(1); // its running step was aborted too
    const childRun = (await t.engine.listRuns({ workflow: 'stuck-child' })).runs[0];
    expect(childRun?.status).toBe('cancelled');
  });

  it('a cancelled step replays as cancelled without running again', async () => {
    let runs = 0;
    let started!: () => void;
    const workStarted = new Promise<void>((resolve) => (started = resolve));
    const wf = defineWorkflow({ name: 'cancel-replay' }, async (ctx) => {
      const scope = new AbortController();
      const work = ctx.step('work', { signal: scope.signal }, (sc) => {
        runs++;
        started();
        return untilAborted([])(sc);
      });
      // The abort follows a recorded step, so a replay aborts at the same point.
      await ctx.step('trigger', () => workStarted);
      scope.abort(new Error('enough'));
      const [cancelled] = await Promise.allSettled([work]);
      await ctx.sleep('later', '1m');
      return outcome(cancelled as PromiseSettledResult<unknown>);
    });
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    await t.waitForStatus(run.id, 'sleeping');
    await t.clock.advance('1m');
    expect(await run.result()).toBe('STEP_CANCELLED');
    expect(runs).toBe(1);
  });
});

describe('ctx.group', () => {
  it('retries its calls as a whole, parked durably between attempts', async () => {
    const calls: string[] = [];
    const wf = defineWorkflow({ name: 'group-retry' }, async (ctx) =>
      ctx.group('deploy', { retry: { maxAttempts: 3, initialInterval: '10s' } }, async (n) => {
        const at = n === 1 ? '' : `attempt[${n}].`;
        const up = await ctx.step(`deploy.${at}upload`, { retry: { maxAttempts: 1 } }, () => {
          calls.push(`upload ${n}`);
          return n;
        });
        await ctx.step(`deploy.${at}verify`, { retry: { maxAttempts: 1 } }, () => {
          calls.push(`verify ${n}`);
          if (n < 2) throw new Error('not healthy');
        });
        return up;
      }),
    );
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    await t.waitForStatus(run.id, 'sleeping');
    const retrying = (await t.engine.history(run.id)).find((e) => e.type === 'step.retrying');
    expect(retrying).toMatchObject({ stepKey: 'deploy', attempt: 1 });
    expect(retrying?.data['message']).toBe('attempt 2 of 3 in 10s');
    await t.clock.advance('10s');
    expect(await run.result()).toBe(2);
    expect(calls).toEqual(['upload 1', 'verify 1', 'upload 2', 'verify 2']);
    const steps = await t.engine.steps(run.id);
    expect(steps.map((s) => `${s.key} ${s.kind} ${s.status} ${s.attempt}`).sort()).toEqual([
      'deploy group completed 2',
      'deploy.attempt[2].upload run completed 1',
      'deploy.attempt[2].verify run completed 1',
      'deploy.upload run completed 1',
      'deploy.verify run failed 1',
    ]);
  });

  it('fails with the last error when attempts run out, and at once on a non-retryable one', async () => {
    const wf = defineWorkflow({ name: 'group-exhausted' }, async (ctx) => {
      const exhausted = await ctx
        .group('a', { retry: { maxAttempts: 2, initialInterval: '1s' } }, (n) =>
          ctx.step(`a.${n}`, { retry: { maxAttempts: 1 } }, () => {
            throw new Error(`attempt ${n} failed`);
          }),
        )
        .catch((e: unknown) => serializeError(e));
      const fatal = await ctx
        .group('b', { retry: { maxAttempts: 5 } }, (n) =>
          ctx.step(`b.${n}`, () => {
            throw new NonRetryableError('not retryable');
          }),
        )
        .catch((e: unknown) => serializeError(e).code);
      return { exhausted: [exhausted.message, exhausted.step], fatal };
    });
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    await t.waitForStatus(run.id, 'sleeping');
    await t.clock.advance('1s');
    expect(await run.result()).toEqual({
      exhausted: ['attempt 2 failed', 'a.2'],
      fatal: 'NON_RETRYABLE',
    });
    const groups = (await t.engine.steps(run.id)).filter((s) => s.kind === 'group');
    expect(groups.map((s) => `${s.key} ${s.status} ${s.attempt}`)).toEqual([
      'a failed 2',
      'b failed 1',
    ]);
  });

  it('a replay re-enters the recorded attempt: finished calls are not run again', async () => {
    const calls: string[] = [];
    const wf = defineWorkflow({ name: 'group-replay' }, async (ctx) => {
      const out = await ctx.group('g', {}, async (n) => {
        const a = await ctx.step(`g.${n}.a`, () => {
          calls.push('a');
          return 'A';
        });
        await ctx.sleep(`g.${n}.nap`, '1m');
        return a;
      });
      return ctx.step('after', () => `${out} after`);
    });
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    await t.waitForStatus(run.id, 'sleeping');
    await t.clock.advance('1m');
    expect(await run.result()).toBe('A after');
    expect(calls).toEqual(['a']);
    const group = (await t.engine.steps(run.id)).find((s) => s.key === 'g');
    expect(group).toMatchObject({ kind: 'group', status: 'completed', attempt: 1 });
  });
});
