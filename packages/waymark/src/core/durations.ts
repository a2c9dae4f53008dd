import { ValidationError } from './errors.ts';

// Formatting lives apart (errors.ts uses it, and this file uses errors.ts).
export { formatDuration } from './format-duration.ts';

/** A duration: milliseconds, or text such as `"500ms"`, `"5m"`, `"1h30m"`, `"2d"`. */
export type Duration = number | string;

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const PART = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/gy;

/** Whether `parseDuration` accepts the value. */
export function isDuration(value: Duration): boolean {
  try {
    parseDuration(value);
    return true;
  } catch {
    return false;
  }
}

/** Parses a duration into whole milliseconds; throws a ValidationError naming the bad text. */
export function parseDuration(value: Duration, what = 'duration'): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < 0) {
      throw new ValidationError(`${what} must be a non-negative number of ms, got ${value}`);
    }
    return Math.round(value);
  }
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  let total = 0;
  let consumed = 0;
  PART.lastIndex = 0;
  for (let m = PART.exec(text); m !== null; m = PART.exec(text)) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
    consumed = PART.lastIndex;
    while (text[consumed] === ' ') consumed++;
    PART.lastIndex = consumed;
  }
  if (text === '' || consumed !== text.length) {
    throw new ValidationError(
      `${what} "${value}" is not a duration (use ms or text like "500ms", "30s", "5m", "1h30m", "2d")`,
    );
  }
  return Math.round(total);
}
