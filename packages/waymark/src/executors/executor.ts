/**
 * Executors: what a `uses:` step runs. Each validates its `with:` arguments with a zod schema
 * and runs them with the step's abort signal; its result is recorded as the step's output.
 */
import type { z } from 'zod';

export interface ExecutorContext {
  /** Aborted when the attempt times out, the run is cancelled, or the worker loses the run. */
  signal: AbortSignal;
  runId: string;
  /** The durable key of the step (`build[0].compile`). */
  stepId: string;
  /** 1 for the first try. */
  attempt: number;
  /** Variables the engine adds for the step (`WAYMARK_RUN_ID`, `WAYMARK_STEP_ID`, `WAYMARK_ATTEMPT`). */
  env: Readonly<Record<string, string>>;
}

export interface ExecutorResult {
  /** JSON: becomes `steps.<id>.output`. */
  output?: unknown;
  /** Workflow variables to assign (`vars.<name>`), as the `set` executor does. */
  vars?: Record<string, unknown>;
}

export interface Executor<TArgs = unknown> {
  name: string;
  /** Validates the `with:` arguments after their expressions are evaluated. */
  withSchema: z.ZodType<TArgs>;
  /**
   * Arguments that must be literal text: a `${ }` in them is a load-time error. The shell's
   * `script` is one: values reach scripts only as environment variables.
   */
  literalArgs?: readonly string[];
  /**
   * Arguments that take a list of words but may be written as one string: the string is split
   * at whitespace when the workflow loads, before `${ }` are evaluated, so a value is always
   * exactly one word. The shell's `command` is one.
   */
  wordArgs?: readonly string[];
  run(args: TArgs, ctx: ExecutorContext): Promise<ExecutorResult>;
}

/** Types an executor against its schema and erases the argument type for a registry. */
export function defineExecutor<TArgs>(executor: Executor<TArgs>): Executor {
  return executor as unknown as Executor;
}
