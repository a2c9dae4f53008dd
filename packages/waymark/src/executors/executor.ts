/**
 * Executors: what a `uses:` step runs, and what code calls inside `ctx.step` through
 * `invokeExecutor`. Each validates its `with:` arguments with a zod schema and runs them with
 * the step's abort signal; its result is recorded as the step's output.
 */
import type { z } from 'zod';
import type { Duration } from '../core/durations.ts';
import type { RetryPolicy } from '../core/retry-policy.ts';

/**
 * Where an executor reports progress: each call becomes a `step.log` event in the run's
 * history (masked, capped per attempt) and a line of the run's JSONL log.
 */
export interface ExecutorLogger {
  /** One line of a child process's output (without its newline). */
  line(stream: 'stdout' | 'stderr', text: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** What `steps.<id>` holds for an earlier step (YAML's expression scope). */
export interface StepState {
  output: unknown;
  status: string;
  error: unknown;
  artifacts?: readonly string[];
}

export interface ExecutorContext {
  /** Aborted when the attempt times out, the run is cancelled, or the worker loses the run. */
  signal: AbortSignal;
  runId: string;
  /** The durable key of the step (`build[0].compile`). */
  stepId: string;
  /** 1 for the first try. */
  attempt: number;
  /**
   * Variables the engine adds for the step: `WAYMARK_RUN_ID`, `WAYMARK_STEP_ID`,
   * `WAYMARK_ATTEMPT`, `WAYMARK_ARTIFACTS_DIR` (reading it creates the artifacts directory).
   */
  readonly env: Readonly<Record<string, string>>;
  logger: ExecutorLogger;
  /**
   * The step's artifacts directory, `<artifacts root>/<runId>/<stepId>/`, created when first
   * read. Every file in it when the executor returns is recorded as an artifact of the step
   * (`steps.<id>.artifacts`), besides the paths its result names.
   */
  readonly artifactsDir: string;
  /** The workflow file's directory, which relative paths resolve against (else the process's). */
  baseDir: string;
  /** Earlier steps by id (YAML: `steps.<id>`); from code, what the caller passes (default none). */
  steps: Readonly<Record<string, StepState>>;
  /** The workflow's variables (YAML: `vars`). */
  vars: Readonly<Record<string, unknown>>;
  /** The declared secrets' values (YAML: `secrets`). Whatever contains one is stored masked. */
  secrets: Readonly<Record<string, string>>;
}

export interface ExecutorResult {
  /** JSON: becomes `steps.<id>.output`. */
  output?: unknown;
  /** Workflow variables to assign (`vars.<name>`), as the `set` executor does. */
  vars?: Record<string, unknown>;
  /**
   * Files the step produced, besides those in its artifacts directory (which are recorded
   * anyway): absolute, or relative to the artifacts directory.
   */
  artifacts?: string[];
}

export interface Executor<TArgs = unknown> {
  name: string;
  /**
   * Validates the `with:` arguments: those without `${ }` when the workflow loads (errors at
   * file:line:column), all of them again after their expressions are evaluated.
   */
  withSchema: z.ZodType<TArgs>;
  /**
   * Arguments that must be literal text: a `${ }` in them is a load-time error. The shell's
   * `script` is one: values reach scripts only as environment variables.
   */
  literalArgs?: readonly string[];
  /** The hint of that error: how a value reaches the executor instead. */
  literalHint?: string;
  /**
   * Arguments that take a list of words but may be written as one string: the string is split
   * at whitespace when the workflow loads, before `${ }` are evaluated, so a value is always
   * exactly one word. The shell's `command` is one.
   */
  wordArgs?: readonly string[];
  /**
   * The retries a YAML step of this executor makes when neither the step nor the workflow's
   * `defaults` set any (other steps make one attempt). The http executor's: 3 attempts, for
   * its retryable 429 and 5xx answers.
   */
  retry?: RetryPolicy;
  /**
   * The per-attempt timeout a YAML step of this executor has when neither the step nor the
   * workflow's `defaults` set one (other steps have none). The agents': 30 minutes, since an
   * agent CLI may wait for a lost network for as long as it is let.
   */
  defaultTimeout?: Duration;
  run(args: TArgs, ctx: ExecutorContext): Promise<ExecutorResult>;
}

/** Types an executor against its schema and erases the argument type for a registry. */
export function defineExecutor<TArgs>(executor: Executor<TArgs>): Executor {
  return executor as unknown as Executor;
}
