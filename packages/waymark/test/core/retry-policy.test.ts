import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.ts';
import {
  DEFAULT_RETRY_POLICY,
  type ResolvedRetryPolicy,
  hasAttemptsLeft,
  resolveRetryPolicy,
  retryDelayMs,
} from '../../src/core/retry-policy.ts';

const noJitter: ResolvedRetryPolicy = {
  maxAttempts: 5,
  initialIntervalMs: 1_000,
  backoffCoefficient: 2,
  maxIntervalMs: 10_000,
  jitter: 0,
};

function validationIssues(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ValidationError);
    return (error as ValidationError).issues.map((i) => i.path);
  }
  throw new Error('expected a ValidationError');
}

describe('resolveRetryPolicy', () => {
  it('returns the defaults when given nothing', () => {
    expect(resolveRetryPolicy()).toEqual(DEFAULT_RETRY_POLICY);
    expect(resolveRetryPolicy(undefined, undefined)).toEqual(DEFAULT_RETRY_POLICY);
  });

  it('does not let a caller mutate the defaults through the result', () => {
    const resolved = resolveRetryPolicy();
    resolved.maxAttempts = 99;
    expect(DEFAULT_RETRY_POLICY.maxAttempts).toBe(3);
  });

  it('layers left to right: engine default, workflow, step', () => {
    const engine = resolveRetryPolicy({ maxAttempts: 10, initialInterval: '2s' });
    const workflow = { backoffCoefficient: 3, maxInterval: '1m' };
    const step = { maxAttempts: 4, jitter: 0 };
    expect(resolveRetryPolicy(engine, workflow, undefined, step)).toEqual({
      maxAttempts: 4,
      initialIntervalMs: 2_000,
      backoffCoefficient: 3,
      maxIntervalMs: 60_000,
      jitter: 0,
    });
  });

  it('lets a later resolved policy replace everything before it', () => {
    expect(resolveRetryPolicy({ maxAttempts: 9 }, noJitter)).toEqual(noJitter);
  });

  it('parses durations given as text or ms', () => {
    const p = resolveRetryPolicy({ initialInterval: 250, maxInterval: '1h30m' });
    expect(p.initialIntervalMs).toBe(250);
    expect(p.maxIntervalMs).toBe(5_400_000);
  });

  it('rejects a bad duration naming the field', () => {
    expect(() => resolveRetryPolicy({ initialInterval: 'soon' })).toThrow(
      /retry\.initialInterval "soon" is not a duration/,
    );
    expect(() => resolveRetryPolicy({ maxInterval: -5 })).toThrow(/retry\.maxInterval/);
  });

  it.each([
    [{ maxAttempts: 0 }, 'retry.maxAttempts'],
    [{ maxAttempts: 1.5 }, 'retry.maxAttempts'],
    [{ maxAttempts: Number.NaN }, 'retry.maxAttempts'],
    [{ backoffCoefficient: 0.5 }, 'retry.backoffCoefficient'],
    [{ backoffCoefficient: Number.NaN }, 'retry.backoffCoefficient'],
    [{ jitter: -0.1 }, 'retry.jitter'],
    [{ jitter: 1.5 }, 'retry.jitter'],
  ])('rejects %j at %s', (layer, path) => {
    expect(validationIssues(() => resolveRetryPolicy(layer))).toEqual([path]);
  });

  it('reports every problem at once', () => {
    const paths = validationIssues(() =>
      resolveRetryPolicy({ maxAttempts: 0, backoffCoefficient: 0, jitter: 2 }),
    );
    expect(paths).toEqual(['retry.maxAttempts', 'retry.backoffCoefficient', 'retry.jitter']);
  });

  it('accepts the boundaries', () => {
    expect(() =>
      resolveRetryPolicy({ maxAttempts: 1, backoffCoefficient: 1, jitter: 1 }),
    ).not.toThrow();
    expect(() => resolveRetryPolicy({ jitter: 0 })).not.toThrow();
  });
});

describe('retryDelayMs', () => {
  it('grows exponentially from the initial interval', () => {
    const delays = [1, 2, 3, 4].map((attempt) => retryDelayMs(noJitter, attempt));
    expect(delays).toEqual([1_000, 2_000, 4_000, 8_000]);
  });

  it('uses the backoff coefficient', () => {
    const p = { ...noJitter, backoffCoefficient: 3, maxIntervalMs: 1_000_000 };
    expect([1, 2, 3].map((a) => retryDelayMs(p, a))).toEqual([1_000, 3_000, 9_000]);
  });

  it('is constant with a coefficient of 1', () => {
    const p = { ...noJitter, backoffCoefficient: 1 };
    expect([1, 5, 50].map((a) => retryDelayMs(p, a))).toEqual([1_000, 1_000, 1_000]);
  });

  it('caps at maxInterval, also for very high attempt numbers', () => {
    expect(retryDelayMs(noJitter, 5)).toBe(10_000);
    expect(retryDelayMs(noJitter, 50)).toBe(10_000);
    expect(retryDelayMs(noJitter, 5_000)).toBe(10_000);
  });

  it('stays 0 with a zero initial interval, however many attempts failed', () => {
    const p = { ...noJitter, initialIntervalMs: 0, maxAttempts: 10_000 };
    expect([1, 2, 100, 2_000].map((a) => retryDelayMs(p, a))).toEqual([0, 0, 0, 0]);
  });

  it('keeps jitter within [1 - jitter, 1 + jitter] of the exponential delay', () => {
    const p = { ...noJitter, jitter: 0.2, maxIntervalMs: 1_000_000 };
    expect(retryDelayMs(p, 3, { random: () => 0 })).toBe(3_200);
    expect(retryDelayMs(p, 3, { random: () => 0.5 })).toBe(4_000);
    expect(retryDelayMs(p, 3, { random: () => 0.999_999 })).toBe(4_800);
    for (let i = 0; i <= 100; i++) {
      const delay = retryDelayMs(p, 3, { random: () => i / 101 });
      expect(delay).toBeGreaterThanOrEqual(3_200);
      expect(delay).toBeLessThanOrEqual(4_800);
    }
  });

  it('never exceeds maxInterval, jitter included', () => {
    const p = { ...noJitter, jitter: 0.5 };
    expect(retryDelayMs(p, 4, { random: () => 0.999 })).toBe(10_000);
    expect(retryDelayMs(p, 10, { random: () => 0.999 })).toBe(10_000);
  });

  it('still jitters at the cap, so runs failing together do not retry in lockstep', () => {
    const p = { ...noJitter, jitter: 0.5 };
    expect(retryDelayMs(p, 10, { random: () => 0 })).toBe(5_000);
    expect(retryDelayMs(p, 10, { random: () => 0.5 })).toBe(10_000);
  });

  it('is never NaN when the growth overflows', () => {
    const full = { ...noJitter, jitter: 1 };
    expect(retryDelayMs(full, 5_000, { random: () => 0 })).toBe(0);
    expect(retryDelayMs(full, 5_000, { random: () => 0.75 })).toBe(10_000);
  });

  it('treats retryAfterMs as a floor, even above maxInterval', () => {
    expect(retryDelayMs(noJitter, 1, { retryAfterMs: 5_000 })).toBe(5_000);
    expect(retryDelayMs(noJitter, 4, { retryAfterMs: 5_000 })).toBe(8_000);
    expect(retryDelayMs(noJitter, 1, { retryAfterMs: 120_000 })).toBe(120_000);
    expect(retryDelayMs(noJitter, 1, { retryAfterMs: undefined })).toBe(1_000);
  });

  it('uses Math.random when no random is injected, within bounds', () => {
    const p = { ...noJitter, jitter: 0.1 };
    for (let i = 0; i < 50; i++) {
      const delay = retryDelayMs(p, 2);
      expect(delay).toBeGreaterThanOrEqual(1_800);
      expect(delay).toBeLessThanOrEqual(2_200);
    }
  });
});

describe('hasAttemptsLeft', () => {
  it('counts the first attempt: maxAttempts 3 allows two retries', () => {
    const p = resolveRetryPolicy({ maxAttempts: 3 });
    expect(hasAttemptsLeft(p, 1)).toBe(true);
    expect(hasAttemptsLeft(p, 2)).toBe(true);
    expect(hasAttemptsLeft(p, 3)).toBe(false);
    expect(hasAttemptsLeft(p, 4)).toBe(false);
  });

  it('means no retries with maxAttempts 1', () => {
    expect(hasAttemptsLeft(resolveRetryPolicy({ maxAttempts: 1 }), 1)).toBe(false);
  });
});
