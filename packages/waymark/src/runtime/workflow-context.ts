import type { Duration } from '../core/durations.ts';
import type { RetryPolicy } from '../core/retry-policy.ts';
import type { WorkflowDefinition } from './workflow.ts';

/** What a step function receives. */
export interface StepContext {
  /** Aborted when the attempt times out, the run is cancelled, or the worker loses the run. */
  signal: AbortSignal;
  /** 1 for the first try. */
  attempt: number;
  runId: string;
  stepKey: string;
  /**
   * Adds an event about this attempt to the run's history — a line of a process's output, an
   * executor's start and end. Stamped with the step, attempt and time, masked like everything
   * the run writes, and written with the attempt's result, or within a macrotask while a long
   * attempt runs. Events added after the attempt ended are dropped. Returns the time it
   * stamped (epoch ms, the engine's clock).
   */
  addEvent(event: StepEvent): number;
  /**
   * The value with the run's secrets replaced by `***`, as the run records it. Mask text
   * before cutting it short, so that no piece of a secret survives the cut.
   */
  mask<T>(value: T): T;
}

/** What a step may add to the history while it runs (see `StepContext.addEvent`). */
export interface StepEvent {
  type: 'step.log' | 'executor.started' | 'executor.finished';
  data: Record<string, unknown>;
  /** The time an earlier event returned: the event gets `durationMs` since then. */
  startedAt?: number;
}

export interface CancelOptions {
  /**
   * Cancels this step alone, not the run. When it aborts, an attempt in progress has its
   * signal aborted, a sleep, child run (cancelled too) or retry backoff stops waiting, and the
   * step is recorded `cancelled`; a step not started yet does not start. Either way the call
   * rejects with StepCancelledError (code `STEP_CANCELLED`), and so does its replay.
   */
  signal?: AbortSignal | undefined;
}

export interface StepOptions extends CancelOptions {
  retry?: RetryPolicy;
  /** Per-attempt timeout: the signal is aborted and the attempt fails `STEP_TIMEOUT`. */
  timeout?: Duration;
}

export interface ChildRunOptions extends CancelOptions {
  /** Step name of the child in this workflow; defaults to the child workflow's name. */
  name?: string;
  /**
   * Bounds the child run, from its start (the deadline is recorded with the step): past it the
   * child run is cancelled and this step fails `STEP_TIMEOUT`.
   */
  timeout?: Duration;
}

export interface GroupOptions extends CancelOptions {
  /** How the group is retried; defaults to the workflow's policy, like a step's. */
  retry?: RetryPolicy;
  /**
   * A deadline for each attempt, from its start (recorded with it, so a resumed run keeps it):
   * past it the signal `fn` receives aborts — the calls inside given that signal are cancelled
   * — and once `fn` has ended, the attempt fails `STEP_TIMEOUT` (retried like any failure).
   */
  timeout?: Duration;
}

export interface SkipOptions extends CancelOptions {
  /** More about the decision, for the history (`step.skipped` data). */
  data?: Record<string, unknown>;
}

export type StepFunction<T> = (step: StepContext) => T | Promise<T>;

/**
 * The workflow's handle on the engine. Every method is durable: its result is recorded the
 * first time and returned from the record when the run is replayed.
 */
export interface WorkflowContext {
  readonly runId: string;
  readonly workflowName: string;
  /** Aborted when the run is cancelled or this worker loses it. */
  readonly signal: AbortSignal;

  /** Runs `fn` once and records its JSON-serializable result under `name` (+ occurrence). */
  step<T>(name: string, fn: StepFunction<T>): Promise<T>;
  step<T>(name: string, options: StepOptions, fn: StepFunction<T>): Promise<T>;

  /** Durable sleep: the run is parked and its worker slot freed until the time has passed. */
  sleep(name: string, duration: Duration, options?: CancelOptions): Promise<void>;
  sleepUntil(name: string, until: Date | number, options?: CancelOptions): Promise<void>;

  /** Starts a child run and waits for its result durably; a failure throws ChildWorkflowError. */
  run<CI, CO>(child: WorkflowDefinition<CI, CO>, input: CI, options?: ChildRunOptions): Promise<CO>;

  /**
   * Runs `fn` as one step made of other durable calls, retried as a whole: a retryable failure
   * inside records the group `retrying` and parks the run until the next attempt, like a
   * step's retry. `fn` gets the attempt (1 first); the calls inside must be named after it
   * (`deploy.attempt[2].upload`), or attempt 2 would replay attempt 1's recorded failure.
   * It also gets the group's signal — aborted when the group times out or its own `signal`
   * aborts; undefined with neither — to pass to the calls inside.
   *
   * @example
   * await ctx.group('deploy', { retry: { maxAttempts: 3 }, timeout: '10m' }, async (attempt, signal) => {
   *   const at = attempt === 1 ? '' : `attempt[${attempt}].`;
   *   await ctx.step(`deploy.${at}upload`, { signal }, upload);
   *   await ctx.step(`deploy.${at}verify`, { signal }, verify);
   * });
   */
  group<T>(
    name: string,
    options: GroupOptions,
    fn: (attempt: number, signal: AbortSignal | undefined) => Promise<T>,
  ): Promise<T>;

  /**
   * Records that the step `name` was skipped, and why: the history shows `step.skipped` with
   * `{ reason, ...data }`. A replay finds the record and writes nothing again; a skip reached
   * after its `signal` aborted records nothing.
   *
   * @example
   * if (input.dryRun) await ctx.skip('publish', 'dry run');
   * else await ctx.step('publish', publish);
   */
  skip(name: string, reason: string, options?: SkipOptions): Promise<void>;

  /** The current time, recorded: replay sees the same value. */
  now(): Promise<Date>;
  /** A random number in [0, 1), recorded. */
  random(): Promise<number>;
  /** A random UUID, recorded. */
  uuid(): Promise<string>;

  /**
   * The value of a secret from the engine's `secrets` source, or undefined when it has none.
   * Not recorded: a resumed run reads it again. The value is masked (`***`) in everything the
   * run records — so a step output that contains it is stored, and returned, masked. Declare
   * the name in the workflow's `secrets` to have it masked from the run's start.
   *
   * @example
   * const wf = defineWorkflow({ name: 'deploy', secrets: ['API_TOKEN'] }, async (ctx) => {
   *   const token = ctx.secret('API_TOKEN');
   *   await ctx.step('call', () => callApi(token)); // a leak into its output is stored as ***
   * });
   */
  secret(name: string): string | undefined;
}
