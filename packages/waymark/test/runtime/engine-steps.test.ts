import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  NonRetryableError,
  RetryableError,
  StepTimeoutError,
  ValidationError,
  defineWorkflow,
} from '../../src/index.ts';
import { type TestEngine, createTestEngine } from '../../src/testing/test-engine.ts';

let t: TestEngine;
afterEach(async () => {
  await t?.close();
});

describe('steps', () => {
  it('runs steps in order and returns the output', async () => {
    const wf = defineWorkflow({ name: 'seq' }, async (ctx, input: unknown) => {
      const a = await ctx.step('a', () => 1);
      const b = await ctx.step('b', () => a + 1);
      return { a, b, input };
    });
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, { x: 1 });
    expect(await run.result()).toEqual({ a: 1, b: 2, input: { x: 1 } });
    const steps = await t.engine.steps(run.id);
    expect(steps.map((s) => [s.key, s.status, s.attempt])).toEqual([
      ['a', 'completed', 1],
      ['b', 'completed', 1],
    ]);
    const types = (await t.engine.history(run.id)).map(
      (e) => `${e.type}${e.stepKey ? ':' + e.stepKey : ''}`,
    );
    expect(types).toEqual([
      'run.created',
      'run.started',
      'step.started:a',
      'step.succeeded:a',
      'step.started:b',
      'step.succeeded:b',
      'run.completed',
    ]);
  });

  it('gives repeated step names occurrence keys', async () => {
    const wf = defineWorkflow({ name: 'loop' }, async (ctx) => {
      const out: number[] = [];
      for (let i = 0; i < 3; i++) out.push(await ctx.step('fetch', () => i));
      return out;
    });
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    expect(await run.result()).toEqual([0, 1, 2]);
    expect((await t.engine.steps(run.id)).map((s) => s.key)).toEqual([
      'fetch',
      'fetch#2',
      'fetch#3',
    ]);
  });

  it('passes the attempt and an AbortSignal to the step', async () => {
    const wf = defineWorkflow({ name: 'ctx' }, async (ctx) =>
      ctx.step('s', ({ attempt, signal, stepKey, runId }) => ({
        attempt,
        aborted: signal.aborted,
        stepKey,
        same: runId === ctx.runId,
      })),
    );
    t = await createTestEngine({ workflows: [wf] });
    expect(await (await t.engine.start(wf, null)).result()).toEqual({
      attempt: 1,
      aborted: false,
      stepKey: 's',
      same: true,
    });
  });

  it('works with ctx and the step context destructured or spread', async () => {
    const wf = defineWorkflow({ name: 'destructured' }, async (ctx) => {
      const { step, now, runId, signal } = ctx;
      const at = await now();
      const seen = await step('a', (stepContext) => {
        const { attempt, signal: stepSignal, stepKey } = stepContext;
        const copy = { ...stepContext };
        return {
          attempt,
          stepKey,
          aborted: stepSignal.aborted,
          copied: copy.signal instanceof AbortSignal && copy.stepKey === 'a',
          keys: Object.keys(stepContext).includes('signal'),
        };
      });
      return {
        seen,
        sameRun: runId.length > 0,
        at: at instanceof Date,
        aborted: signal.aborted,
        ctxKeys: ['signal', 'step', 'runId'].every((k) => Object.keys(ctx).includes(k)),
      };
    });
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    expect(await run.result()).toEqual({
      seen: { attempt: 1, stepKey: 'a', aborted: false, copied: true, keys: true },
      sameRun: true,
      at: true,
      aborted: false,
      ctxKeys: true,
    });
  });

  it('fails a step whose output is not JSON-serializable, naming the step', async () => {
    const wf = defineWorkflow({ name: 'bad-output' }, async (ctx) =>
      ctx.step('make', () => ({ n: 10n })),
    );
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    await expect(run.result()).rejects.toMatchObject({
      code: 'NOT_SERIALIZABLE',
      message: expect.stringContaining('step "make"'),
    });
  });

  it('rejects invalid input at start, listing every problem', async () => {
    const wf = defineWorkflow(
      { name: 'typed', input: z.object({ name: z.string(), count: z.number().int() }) },
      async (_ctx, input) => input.name,
    );
    t = await createTestEngine({ workflows: [wf] });
    const error = await t.engine
      .start(wf, { name: 3, count: 1.5 } as never)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).issues.map((i) => i.path).sort()).toEqual(['count', 'name']);
    expect((await t.engine.listRuns()).runs).toHaveLength(0);
  });
});

describe('retries', () => {
  it('retries with exponential backoff, parked durably between attempts', async () => {
    let calls = 0;
    const wf = defineWorkflow({ name: 'flaky' }, async (ctx) =>
      ctx.step(
        'call',
        { retry: { maxAttempts: 4, initialInterval: '1s', backoffCoefficient: 2, jitter: 0 } },
        () => {
          calls++;
          if (calls < 4) throw new Error(`boom ${calls}`);
          return 'ok';
        },
      ),
    );
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    await t.waitForStatus(run.id, 'sleeping');
    expect(calls).toBe(1);
    await t.clock.advance(999);
    expect(calls).toBe(1); // never early
    await t.clock.advance(1);
    await settleUntil(() => calls === 2);
    await t.waitForStatus(run.id, 'sleeping');
    await t.clock.advance('2s');
    await settleUntil(() => calls === 3);
    await t.waitForStatus(run.id, 'sleeping');
    await t.clock.advance('4s');
    expect(await run.result()).toBe('ok');
    expect(calls).toBe(4);
    const retrying = (await t.engine.history(run.id)).filter((e) => e.type === 'step.retrying');
    expect(retrying.map((e) => [e.data['delayMs'], e.data['message']])).toEqual([
      [1000, 'attempt 2 of 4 in 1s'],
      [2000, 'attempt 3 of 4 in 2s'],
      [4000, 'attempt 4 of 4 in 4s'],
    ]);
    // The numbers are fields too, for readers (the CLI's step lines) that must not parse text.
    expect(retrying.map((e) => [e.data['nextAttempt'], e.data['maxAttempts']])).toEqual([
      [2, 4],
      [3, 4],
      [4, 4],
    ]);
    const started = (await t.engine.history(run.id)).filter((e) => e.type === 'step.started');
    expect(started.map((e) => [e.attempt, e.data['maxAttempts']])).toEqual([
      [1, 4],
      [2, 4],
      [3, 4],
      [4, 4],
    ]);
  });

  it('fails the run when attempts run out, with the step and attempt in the error', async () => {
    const wf = defineWorkflow(
      { name: 'always-fails', retry: { maxAttempts: 2, initialInterval: 10 } },
      async (ctx) => {
        await ctx.step('call', () => {
          throw new Error('nope');
        });
      },
    );
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    await t.waitForStatus(run.id, 'sleeping');
    await t.clock.advance(10);
    const error = await run.result().catch((e: unknown) => e);
    expect(error).toMatchObject({ message: 'nope', step: 'call', attempt: 2 });
    const record = await t.engine.getRun(run.id);
    expect(record?.status).toBe('failed');
    expect(record?.error).toMatchObject({
      message: 'nope',
      step: 'call',
      attempt: 2,
      type: 'Error',
    });
  });

  it('does not retry a NonRetryableError', async () => {
    let calls = 0;
    const wf = defineWorkflow({ name: 'non-retryable' }, async (ctx) =>
      ctx.step('call', () => {
        calls++;
        throw new NonRetryableError('bad request');
      }),
    );
    t = await createTestEngine({ workflows: [wf] });
    const error = await (await t.engine.start(wf, null)).result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NonRetryableError);
    expect(calls).toBe(1);
  });

  it('honours retryAfter as the minimum delay', async () => {
    let calls = 0;
    const wf = defineWorkflow({ name: 'rate-limited' }, async (ctx) =>
      ctx.step('call', { retry: { initialInterval: 100, jitter: 0 } }, () => {
        if (++calls === 1) throw new RetryableError('429', { retryAfterMs: 30_000 });
        return calls;
      }),
    );
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    await t.waitForStatus(run.id, 'sleeping');
    await t.clock.advance(29_999);
    expect(calls).toBe(1);
    await t.clock.advance(1);
    expect(await run.result()).toBe(2);
  });

  it('a caught step failure lets the workflow go on', async () => {
    const wf = defineWorkflow({ name: 'catches' }, async (ctx) => {
      try {
        await ctx.step('risky', { retry: { maxAttempts: 1 } }, () => {
          throw new Error('expected');
        });
      } catch (error) {
        return ctx.step('fallback', () => `recovered from ${(error as Error).message}`);
      }
      return 'unreachable';
    });
    t = await createTestEngine({ workflows: [wf] });
    expect(await (await t.engine.start(wf, null)).result()).toBe('recovered from expected');
  });
});

describe('timeouts', () => {
  it('aborts a step attempt at its timeout with STEP_TIMEOUT', async () => {
    let sawAbort = false;
    const wf = defineWorkflow({ name: 'slow' }, async (ctx) =>
      ctx.step(
        'slow',
        { timeout: '5s', retry: { maxAttempts: 1 } },
        ({ signal }) =>
          new Promise((_, reject) => {
            signal.addEventListener('abort', () => {
              sawAbort = true;
              reject(new Error('aborted'));
            });
          }),
      ),
    );
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    await t.waitForStatus(run.id, 'running');
    await t.clock.advance('5s');
    const error = await run.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepTimeoutError);
    expect(error).toMatchObject({ code: 'STEP_TIMEOUT', step: 'slow' });
    expect(sawAbort).toBe(true);
  });

  it('times out a step that ignores its signal', async () => {
    const wf = defineWorkflow({ name: 'deaf' }, async (ctx) =>
      ctx.step(
        'deaf',
        { timeout: 1000, retry: { maxAttempts: 2, initialInterval: 1 } },
        ({ attempt }) => (attempt === 1 ? new Promise(() => {}) : 'second try'),
      ),
    );
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    await t.waitForStatus(run.id, 'running');
    await t.clock.advance(1000);
    await t.waitForStatus(run.id, 'sleeping');
    await t.clock.advance(1);
    expect(await run.result()).toBe('second try');
  });

  it('fails a run past its workflow deadline with WORKFLOW_TIMEOUT', async () => {
    const wf = defineWorkflow({ name: 'deadline', timeout: '1m' }, async (ctx) => {
      await ctx.step('quick', () => 1);
      await ctx.sleep('long', '1h');
      return 'never';
    });
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    await t.waitForStatus(run.id, 'sleeping');
    expect((await t.engine.getRun(run.id))?.wakeAt).toBe(t.clock.now() + 60_000);
    await t.clock.advance('1m');
    await expect(run.result()).rejects.toMatchObject({ code: 'WORKFLOW_TIMEOUT' });
  });
});

/** Lets I/O run until `predicate` holds (a store on a network takes real time: up to 5 s). */
async function settleUntil(predicate: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!predicate() && Date.now() < deadline) await new Promise((r) => setImmediate(r));
  expect(predicate()).toBe(true);
}
