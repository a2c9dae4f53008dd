import { z } from 'zod';
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

/** Calls of the test executors, in order: `[stepId, attempt, args]`. */
export interface Calls {
  list: Array<[string, number, unknown]>;
  inFlight: number;
  maxInFlight: number;
}

/**
 * The built-ins plus `echo` (output: its `value`), `flaky` (fails until attempt `succeed_on`)
 * and `slow` (echo after `ms` real milliseconds, counting how many run at once).
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
  return { list: [], inFlight: 0, maxInFlight: 0 };
}

export const TEST_EXECUTOR_NAMES = new Set([
  'log',
  'set',
  'fail',
  'noop',
  'shell',
  'echo',
  'flaky',
  'slow',
]);

export function compileYaml(
  text: string,
  options: Partial<CompileWorkflowOptions> & { executors: ExecutorRegistry },
): WorkflowDefinition<Record<string, unknown>, unknown> {
  const file = options.file ?? 'test.workflow.yaml';
  const { document, diagnostics } = loadWorkflowDocument(text, file, {
    knownExecutors: new Set(options.executors.names()),
  });
  if (document === undefined) {
    throw new Error(diagnostics.map((d) => `${d.line}:${d.column}: ${d.message}`).join('\n'));
  }
  return compileWorkflowDocument(document, { ...options, file });
}

export const lines = (...l: string[]): string => `${l.join('\n')}\n`;

/** `key status attempt` of each step, sorted by key. */
export async function stepTable(t: TestEngine, runId: string): Promise<string[]> {
  const steps = await t.engine.steps(runId);
  return steps.map((s) => `${s.key} ${s.status} ${s.attempt}`).sort();
}
