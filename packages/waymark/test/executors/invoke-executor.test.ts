/**
 * Executors called from code inside ctx.step (invokeExecutor), on a test engine: the events
 * they add reach the history in order and masked, written with the step's result when the
 * step is quick and while it runs when it is not; artifacts are recorded.
 */
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { HistoryEvent } from '../../src/core/history.ts';
import { createShellExecutor, defineExecutor, invokeExecutor } from '../../src/executors/index.ts';
import { defineWorkflow } from '../../src/runtime/workflow.ts';
import { settle } from '../../src/testing/fake-clock.ts';
import { createTestEngine, type TestEngine } from '../../src/testing/test-engine.ts';
import { scratchDir } from './fake-step.ts';

let t: TestEngine | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

const PATH = { PATH: '/usr/local/bin:/usr/bin:/bin' };
const TOKEN = 'tok-5f2e9a7c41';

const stepEvents = (history: HistoryEvent[], key: string): string[] =>
  history
    .filter((e) => e.stepKey === key)
    .map((e) => (e.type === 'step.log' ? `log ${String(e.data['text'])}` : e.type));

describe('invokeExecutor inside ctx.step', () => {
  it('records start, log lines and end of a quick step with its result, in order, masked', async () => {
    const root = scratchDir();
    const shell = createShellExecutor({ baseEnv: PATH });
    const wf = defineWorkflow({ name: 'quick', secrets: ['TOKEN'] }, async (ctx) => {
      const token = ctx.secret('TOKEN') ?? '';
      return ctx.step('build', (step) =>
        invokeExecutor(
          shell,
          {
            script: 'echo "using $TOKEN"; echo "$TOKEN" > "$WAYMARK_ARTIFACTS_DIR/token.txt"',
            env: { TOKEN: token },
          },
          step,
          { artifactsRoot: root },
        ),
      );
    });
    t = await createTestEngine({ workflows: [wf], secrets: { TOKEN } });
    const run = await t.engine.start(wf, null);
    const result = (await run.result()) as { output: string; artifacts: string[] };
    expect(result.output).toBe('using ***');
    expect(result.artifacts).toEqual([path.join(root, run.id, 'build', 'token.txt')]);

    const history = await t.engine.history(run.id);
    expect(stepEvents(history, 'build')).toEqual([
      'step.started',
      'executor.started',
      'log using ***',
      'executor.finished',
      'step.succeeded',
    ]);
    const finished = history.find((e) => e.type === 'executor.finished');
    expect(finished?.data).toEqual({
      executor: 'shell',
      status: 'ok',
      output: '"using ***"',
      artifacts: 1,
    });
    expect(finished?.durationMs).toBe(0);
    const started = history.find((e) => e.type === 'executor.started');
    expect(String(started?.data['input'])).toContain('"TOKEN":"***"');
    expect(JSON.stringify(history)).not.toContain(TOKEN);
  });

  it('writes the lines of a long step while it runs, after its start', async () => {
    const dir = scratchDir();
    const go = path.join(dir, 'go');
    const shell = createShellExecutor({ baseEnv: PATH });
    const wf = defineWorkflow({ name: 'long' }, async (ctx) =>
      ctx.step('wait', (step) =>
        invokeExecutor(
          shell,
          {
            script: 'echo waiting; while [ ! -e "$GO" ]; do sleep 0.02; done; echo done',
            env: { GO: go },
          },
          step,
          { artifactsRoot: dir },
        ),
      ),
    );
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    const deadline = Date.now() + 5_000;
    let seen: string[] = [];
    while (!seen.includes('log waiting') && Date.now() < deadline) {
      await settle(2);
      seen = stepEvents(await t.engine.history(run.id), 'wait');
    }
    expect(seen).toEqual(['step.started', 'executor.started', 'log waiting']);
    writeFileSync(go, '');
    await run.result();
    expect(stepEvents(await t.engine.history(run.id), 'wait')).toEqual([
      'step.started',
      'executor.started',
      'log waiting',
      'log done',
      'executor.finished',
      'step.succeeded',
    ]);
  });

  it('records a failure as executor.finished with status error, and bad arguments too', async () => {
    const boom = defineExecutor({
      name: 'boom',
      withSchema: z.object({ n: z.number() }).strict(),
      run: async () => {
        throw new Error('it broke');
      },
    });
    const wf = defineWorkflow({ name: 'fails', retry: { maxAttempts: 1 } }, async (ctx) => {
      const bad = await ctx
        .step('bad', (step) =>
          invokeExecutor(boom, { n: 'x' }, step, { artifactsRoot: scratchDir() }),
        )
        .catch((e: unknown) => (e as Error).message);
      const broke = await ctx
        .step('broke', (step) =>
          invokeExecutor(boom, { n: 1 }, step, { artifactsRoot: scratchDir() }),
        )
        .catch((e: unknown) => (e as Error).message);
      return { bad, broke };
    });
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    expect(await run.result()).toEqual({
      bad: 'step "bad" (boom): invalid arguments: with.n: expected number, got string',
      broke: 'it broke',
    });
    const finished = (await t.engine.history(run.id)).filter((e) => e.type === 'executor.finished');
    expect(finished.map((e) => e.data)).toEqual([
      {
        executor: 'boom',
        status: 'error',
        error: {
          code: 'NON_RETRYABLE',
          message: 'step "bad" (boom): invalid arguments: with.n: expected number, got string',
        },
      },
      { executor: 'boom', status: 'error', error: { code: 'STEP_FAILED', message: 'it broke' } },
    ]);
  });

  it('leaves no artifacts directory behind for a step that wrote nothing', async () => {
    const root = scratchDir();
    const shell = createShellExecutor({ baseEnv: PATH });
    const wf = defineWorkflow({ name: 'empty' }, async (ctx) =>
      ctx.step('echo', (step) =>
        invokeExecutor(shell, { command: ['true'] }, step, { artifactsRoot: root }),
      ),
    );
    t = await createTestEngine({ workflows: [wf] });
    const run = await t.engine.start(wf, null);
    expect(await run.result()).toEqual({ output: '', artifacts: [] });
    expect(existsSync(path.join(root, run.id, 'echo'))).toBe(false);
    // Nor the run's directory: no step of it left anything.
    expect(existsSync(path.join(root, run.id))).toBe(false);
  });
});
