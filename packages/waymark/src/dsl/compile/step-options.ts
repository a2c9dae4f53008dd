/** A step's `retry` and `timeout` as the runtime takes them, read from a document. */
import type { Duration } from '../../core/durations.ts';
import type { RetryPolicy } from '../../core/retry-policy.ts';
import { isRecord } from '../document-issue.ts';
import type { Backoff, OnFailure, Retry } from '../document.ts';

/** `{ max_attempts, backoff: { initial, factor, max, jitter } }` → a RetryPolicy. */
export function retryPolicy(retry: unknown): RetryPolicy | undefined {
  if (!isRecord(retry)) return undefined;
  const r = retry as Partial<Retry>;
  const b: Backoff = isRecord(r.backoff) ? r.backoff : {};
  return {
    ...(typeof r.max_attempts === 'number' ? { maxAttempts: r.max_attempts } : {}),
    ...(b.initial === undefined ? {} : { initialInterval: b.initial }),
    ...(b.factor === undefined ? {} : { backoffCoefficient: b.factor }),
    ...(b.max === undefined ? {} : { maxInterval: b.max }),
    ...(b.jitter === undefined ? {} : { jitter: b.jitter }),
  };
}

/**
 * A stage's `retries` (retries after the first attempt) and `retry_backoff`; unset when it has
 * neither. With only `retry_backoff` the policy has delays but no attempts: how many comes from
 * `on_failure` and the workflow (see executorRetry).
 */
export function stageRetryPolicy(retries: unknown, backoff: unknown): RetryPolicy | undefined {
  if (retries === undefined && backoff === undefined) return undefined;
  const policy = retryPolicy({ backoff }) ?? {};
  return typeof retries === 'number' ? { ...policy, maxAttempts: retries + 1 } : policy;
}

export function duration(v: unknown): Duration | undefined {
  return typeof v === 'string' || typeof v === 'number' ? v : undefined;
}

/** `on_failure` as written, `stop` when absent or unknown (the shape check reports that). */
export function onFailureOf(v: unknown): OnFailure {
  return v === 'continue' || v === 'retry' ? v : 'stop';
}
