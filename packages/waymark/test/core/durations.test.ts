import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/core/durations.ts';
import { ValidationError } from '../../src/core/errors.ts';

describe('parseDuration', () => {
  it('takes numbers as milliseconds, rounded to whole ms', () => {
    expect(parseDuration(0)).toBe(0);
    expect(parseDuration(1500)).toBe(1500);
    expect(parseDuration(2.6)).toBe(3);
  });

  it.each([
    ['500', 500],
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1h 30m', 5_400_000],
    ['2d', 172_800_000],
    ['1w', 604_800_000],
    ['1.5h', 5_400_000],
    ['0.5s', 500],
    ['1m30s', 90_000],
    ['2s500ms', 2_500],
    ['  10s  ', 10_000],
  ])('parses %j as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '   ', 'soon', '5x', '-5s', '1h30', 'h', '1.s', '5 minutes', '10s!'])(
    'rejects %j with a message naming the text',
    (text) => {
      expect(() => parseDuration(text)).toThrow(ValidationError);
      expect(() => parseDuration(text)).toThrow(`"${text}" is not a duration`);
    },
  );

  it('rejects negative and non-finite numbers, naming what was being parsed', () => {
    expect(() => parseDuration(-1, 'retry.initialInterval')).toThrow(
      'retry.initialInterval must be a non-negative number of ms, got -1',
    );
    expect(() => parseDuration(Number.NaN)).toThrow(ValidationError);
    expect(() => parseDuration(Number.POSITIVE_INFINITY)).toThrow(ValidationError);
  });

  it('names the field in text errors and carries the VALIDATION code', () => {
    try {
      parseDuration('later', 'step.timeout');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).code).toBe('VALIDATION');
      expect((error as ValidationError).message).toMatch(
        /^step\.timeout "later" is not a duration/,
      );
    }
  });

  it('is not confused by a previous failed parse (the regex is stateful)', () => {
    expect(() => parseDuration('1h oops')).toThrow(ValidationError);
    expect(parseDuration('2m')).toBe(120_000);
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0ms'],
    [120, '120ms'],
    [999, '999ms'],
    [1_000, '1s'],
    [2_500, '2.5s'],
    [1_234, '1.23s'],
    [12_345, '12.3s'],
    [60_000, '1m'],
    [90_000, '1m30s'],
    [5_400_000, '1h30m'],
    [172_800_000, '2d'],
    [90_061_000, '1d1h1m1s'],
  ])('formats %d ms as %j', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration for whole seconds and above', () => {
    for (const ms of [1_000, 45_000, 90_000, 3_600_000, 5_400_000, 90_061_000]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });
});
