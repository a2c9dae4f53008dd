import { type Duration, parseDuration } from './durations.ts';
import { ValidationError } from './errors.ts';

/** How a failing step is retried. Durations are ms or text (`"2s"`). */
export interface RetryPolicy {
  /** Total attempts, the first included. 1 means no retries. */
  maxAttempts?: number;
  /** Delay before the second attempt. */
  initialInterval?: Duration;
  /** Each further delay is the previous one times this. */
  backoffCoefficient?: number;
  /** No delay is longer than this (jitter included). */
  maxInterval?: Duration;
  /** Each delay is multiplied by a random factor in [1 - jitter, 1 + jitter]; 0 turns it off. */
  jitter?: number;
}

export interface ResolvedRetryPolicy {
  maxAttempts: number;
  initialIntervalMs: number;
  backoffCoefficient: number;
  maxIntervalMs: number;
  jitter: number;
}

export const DEFAULT_RETRY_POLICY: ResolvedRetryPolicy = {
  maxAttempts: 3,
  initialIntervalMs: 1_000,
  backoffCoefficient: 2,
  maxIntervalMs: 60_000,
  jitter: 0.1,
};

/** Merges policies left to right (engine default, workflow, step) and validates the result. */
export function resolveRetryPolicy(
  ...layers: Array<RetryPolicy | ResolvedRetryPolicy | undefined>
): ResolvedRetryPolicy {
  const out: ResolvedRetryPolicy = { ...DEFAULT_RETRY_POLICY };
  for (const layer of layers) {
    if (layer === undefined) continue;
    if ('initialIntervalMs' in layer) {
      Object.assign(out, layer);
      continue;
    }
    if (layer.maxAttempts !== undefined) out.maxAttempts = layer.maxAttempts;
    if (layer.initialInterval !== undefined) {
      out.initialIntervalMs = parseDuration(layer.initialInterval, 'retry.initialInterval');
    }
    if (layer.backoffCoefficient !== undefined) out.backoffCoefficient = layer.backoffCoefficient;
    if (layer.maxInterval !== undefined) {
      out.maxIntervalMs = parseDuration(layer.maxInterval, 'retry.maxInterval');
    }
    if (layer.jitter !== undefined) out.jitter = layer.jitter;
  }
  const problems: { path: string; message: string }[] = [];
  if (!Number.isInteger(out.maxAttempts) || out.maxAttempts < 1) {
    problems.push({ path: 'retry.maxAttempts', message: 'must be an integer >= 1' });
  }
  if (!(out.backoffCoefficient >= 1)) {
    problems.push({ path: 'retry.backoffCoefficient', message: 'must be >= 1' });
  }
  if (!(out.jitter >= 0 && out.jitter <= 1)) {
    problems.push({ path: 'retry.jitter', message: 'must be between 0 and 1' });
  }
  if (problems.length > 0) throw new ValidationError('invalid retry policy', problems);
  return out;
}

/**
 * Delay before attempt `failedAttempt + 1`: exponential, jittered, capped at maxInterval, and
 * never shorter than a `retryAfterMs` the failure asked for.
 */
export function retryDelayMs(
  policy: ResolvedRetryPolicy,
  failedAttempt: number,
  options: { retryAfterMs?: number | undefined; random?: () => number } = {},
): number {
  const uncapped =
    policy.initialIntervalMs * Math.pow(policy.backoffCoefficient, Math.max(0, failedAttempt - 1));
  // Capped before jitter: growth overflows to Infinity after ~1000 attempts, and 0 * Infinity
  // (a zero interval, or a jitter factor of 0) is NaN. It also keeps jitter at the cap.
  const exponential = Number.isNaN(uncapped) ? 0 : Math.min(policy.maxIntervalMs, uncapped);
  const random = options.random ?? Math.random;
  const factor = 1 + policy.jitter * (random() * 2 - 1);
  const delay = Math.min(policy.maxIntervalMs, Math.round(exponential * factor));
  return Math.max(delay, options.retryAfterMs ?? 0);
}

/** Whether another attempt follows a failure of attempt `failedAttempt`. */
export function hasAttemptsLeft(policy: ResolvedRetryPolicy, failedAttempt: number): boolean {
  return failedAttempt < policy.maxAttempts;
}
