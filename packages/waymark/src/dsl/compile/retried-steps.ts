/**
 * What a failing step does again. An executor step retries itself (its attempts are ctx.step
 * attempts); any other step retried — `on_failure: retry` or a `retry` policy on a group,
 * parallel, foreach, switch or loop, and on a stage of `steps` — runs as one ctx.group: the
 * whole is retried, its steps running anew under `<key>.attempt[<n>].` from attempt 2 on
 * (attempt 1 keeps their plain keys).
 */
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

/**
 * Runs `attempt` as the group `key`, retried per `retry` (default: the workflow's policy).
 * `attempt(n)` runs the steps inside with keys prefixed by `attemptPrefix(key, n)`.
 */
export function runRetried<T>(
  it: Interpreter,
  key: string,
  retry: RetryPolicy | undefined,
  signal: AbortSignal | undefined,
  attempt: (n: number) => Promise<T>,
): Promise<T> {
  return it.ctx.group(
    key,
    { ...(retry === undefined ? {} : { retry }), ...(signal === undefined ? {} : { signal }) },
    attempt,
  );
}

/** Where the steps of attempt `n` of the group `key` have their keys (n ≥ 2). */
export function attemptPrefix(key: string, n: number): string {
  return `${key}.attempt[${n}].`;
}
