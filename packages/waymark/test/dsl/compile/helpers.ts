import { z } from 'zod';
import { NonRetryableError } from '../../../src/core/errors.ts';
import { loadWorkflowDocument } from '../../../src/dsl/load-workflow-file.ts';
import { compileWorkflowDocument } from '../../../src/dsl/compile/index.ts';
import type { CompileWorkflowOptions } from '../../../src/dsl/compile/index.ts';
import {
  builtinExecutors,
  createExecutorRegistry,
  defineExecutor,
  type ExecutorRegistry,
} from '../../../src/executors/index.ts';
import type { WorkflowDefinition } from '../../../src/runtime/workflow.ts';
import type { TestEngine } from '../../../src/testing/test-engine.ts';
import { until } from '../../until.ts';

/** Calls of the test executors, in order: `[stepId, attempt, args]`. */
export interface Calls {
  list: Array<[string, number, unknown]>;
  inFlight: number;
  maxInFlight: number;
  /** `gate` steps waiting to be opened, by gate name. */
  gates: Map<string, () => void>;
  /** Steps whose signal was aborted while they ran, in order. */
  aborted: string[];
}

/**
 * The built-ins plus `echo` (output: its `value`), `flaky` (fails until attempt `succeed_on`),
 * `fails_first` (the first `times` calls with one `name` fail, wherever they come from),
 * `slow` (echo after `ms` real milliseconds, counting how many run at once) and `gate` (waits
 * until the test calls `openGate(calls, name)`, then outputs `value` or fails with `fail`, not
 * retryable; an aborted signal ends it).
 */
export function testExecutors(calls: Calls): ExecutorRegistry {
  const log = (stepId: string, attempt: number, args: unknown): void => {
    calls.list.push([stepId, attempt, args]);
  };
  return createExecutorRegistry([
    ...builtinExecutors({ shell: { baseEnv: { PATH: '/usr/local/bin:/usr/bin:/bin' } } }),
    defineExecutor({
      name: 'echo',
      withSchema: z.object({ value: z.unknown() }),
      run: async (args, ctx) => {
        log(ctx.stepId, ctx.attempt, args.value);
        return { output: args.value };
      },
    }),
    defineExecutor({
      name: 'flaky',
      withSchema: z.object({ succeed_on: z.number() }),
      run: async (args, ctx) => {
        log(ctx.stepId, ctx.attempt, args);
        if (ctx.attempt < args.succeed_on) throw new Error(`attempt ${ctx.attempt} failed`);
        return { output: { attempt: ctx.attempt } };
      },
    }),
    defineExecutor({
      name: 'fails_first',
      withSchema: z.object({ name: z.string(), times: z.number() }),
      run: async (args, ctx) => {
        log(ctx.stepId, ctx.attempt, args.name);
        const n = calls.list.filter(([, , a]) => a === args.name).length;
        if (n <= args.times) throw new Error(`${args.name}: call ${n} failed`);
        return { output: { calls: n } };
      },
    }),
    defineExecutor({
      name: 'gate',
      withSchema: z.object({
        name: z.string(),
        value: z.unknown().optional(),
        fail: z.string().optional(),
      }),
      run: async (args, ctx) => {
        log(ctx.stepId, ctx.attempt, args.name);
        await new Promise<void>((resolve, reject) => {
          calls.gates.set(args.name, resolve);
          ctx.signal.addEventListener(
            'abort',
            () => {
              calls.aborted.push(ctx.stepId);
              reject(ctx.signal.reason as Error);
            },
            { once: true },
          );
        });
        if (args.fail !== undefined && args.fail !== '') throw new NonRetryableError(args.fail);
        return { output: args.value ?? null };
      },
    }),
    defineExecutor({
      name: 'slow',
      withSchema: z.object({ value: z.unknown(), ms: z.number() }),
      run: async (args, ctx) => {
        log(ctx.stepId, ctx.attempt, args.value);
        calls.inFlight++;
        calls.maxInFlight = Math.max(calls.maxInFlight, calls.inFlight);
        await new Promise((r) => setTimeout(r, args.ms));
        calls.inFlight--;
        return { output: args.value };
      },
    }),
  ]);
}

export function newCalls(): Calls {
  return { list: [], inFlight: 0, maxInFlight: 0, gates: new Map(), aborted: [] };
}

/** Opens the gate `name` once a `gate` step waits on it. */
export async function openGate(calls: Calls, name: string): Promise<void> {
  await until(() => calls.gates.has(name));
  calls.gates.get(name)?.();
}

/** The step ids the test executors were called with, in order. */
export const calledSteps = (calls: Calls): string[] => calls.list.map(([id]) => id);

export function compileYaml(
  text: string,
  options: Partial<CompileWorkflowOptions> & { executors: ExecutorRegistry },
): WorkflowDefinition<Record<string, unknown>, unknown> {
  const file = options.file ?? 'test.workflow.yaml';
  const loaded = loadWorkflowDocument(text, file, { executors: options.executors });
  if (loaded.document === undefined) {
    throw new Error(
      loaded.diagnostics.map((d) => `${d.line}:${d.column}: ${d.message}`).join('\n'),
    );
  }
  return compileWorkflowDocument(loaded, { ...options, file });
}

export const lines = (...l: string[]): string => `${l.join('\n')}\n`;

/** `key status attempt` of each step, sorted by key. */
export async function stepTable(t: TestEngine, runId: string): Promise<string[]> {
  const steps = await t.engine.steps(runId);
  return steps.map((s) => `${s.key} ${s.status} ${s.attempt}`).sort();
}
