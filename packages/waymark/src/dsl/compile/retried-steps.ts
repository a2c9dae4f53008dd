/**
 * What a failing step does again, and how long it may take. An executor step retries itself
 * (its attempts are ctx.step attempts, each bounded by its timeout); any other step retried —
 * `on_failure: retry` or a `retry` policy on a group, parallel, foreach, switch or loop, and
 * on a stage of `steps` — or given a timeout runs as one ctx.group: the whole is retried, its
 * steps running anew under `<key>.attempt[<n>].` from attempt 2 on (attempt 1 keeps their
 * plain keys), and each attempt has the deadline.
 */
import type { Duration } from '../../core/durations.ts';
import type { RetryPolicy } from '../../core/retry-policy.ts';
import type { OnFailure } from '../document.ts';
import type { Interpreter } from './interpret.ts';

/**
 * The attempts of an executor call: its own (`retry.max_attempts`, a stage's `retries`), else
 * the workflow's `defaults.retry`; with neither, `on_failure: retry` takes the engine's
 * default policy while `stop` and `continue` make one attempt — a failed step runs again only
 * when the workflow says so — or the executor's own default (`Executor.retry`, http's). A
 * backoff given without attempts keeps its delays.
 */
export function executorRetry(
  it: Interpreter,
  call: { retry: RetryPolicy | undefined; onFailure: OnFailure },
  executorDefault?: RetryPolicy,
): RetryPolicy | undefined {
  if (call.retry?.maxAttempts !== undefined) return call.retry;
  if (call.onFailure === 'retry' || it.hasDefaultRetry) return call.retry;
  return { maxAttempts: 1, ...executorDefault, ...call.retry };
}

/**
 * Whether a step that is not one executor call is retried as a whole: `on_failure: retry`, or
 * a policy of its own with more than one attempt. (`defaults.retry` is for executor steps.)
 */
export function retriedAsGroup(step: {
  kind: string;
  retry: RetryPolicy | undefined;
  onFailure: OnFailure;
}): boolean {
  if (step.kind === 'uses' || step.kind === 'provider') return false;
  return step.onFailure === 'retry' || (step.retry?.maxAttempts ?? 1) > 1;
}

/** A step as a group: what decides whether it is one, and its options. */
export interface GroupedStep {
  kind: string;
  retry: RetryPolicy | undefined;
  onFailure: OnFailure;
  timeout: Duration | undefined;
}

/**
 * Whether a step runs as one ctx.group: retried as a whole, or bounded by a timeout (which an
 * executor step gives each attempt, a `run` its child run, and a `wait` cannot have).
 */
export function runsAsGroup(step: GroupedStep): boolean {
  if (retriedAsGroup(step)) return true;
  const bounded = !['uses', 'provider', 'run', 'wait'].includes(step.kind);
  return bounded && step.timeout !== undefined;
}

/**
 * Runs `attempt` as the group `key`: retried per the step's `retry` (default: the workflow's
 * policy) when it is retried, else once; each attempt within its timeout. `attempt(n, signal)`
 * runs the steps inside with keys prefixed by `attemptPrefix(key, n)`, under `signal` (aborted
 * at the deadline, or with `signal` of the scope around).
 */
export function runAsGroup<T>(
  it: Interpreter,
  key: string,
  step: GroupedStep,
  signal: AbortSignal | undefined,
  attempt: (n: number, signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  const retry = retriedAsGroup(step) ? step.retry : { maxAttempts: 1 };
  return it.ctx.group(
    key,
    {
      ...(retry === undefined ? {} : { retry }),
      ...(step.timeout === undefined ? {} : { timeout: step.timeout }),
      ...(signal === undefined ? {} : { signal }),
    },
    attempt,
  );
}

/** Where the steps of attempt `n` of the group `key` have their keys (n ≥ 2). */
export function attemptPrefix(key: string, n: number): string {
  return `${key}.attempt[${n}].`;
}
