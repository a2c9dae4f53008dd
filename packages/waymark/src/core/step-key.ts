/**
 * Step keys: a step's name plus an occurrence counter (`fetch`, `fetch#2`, …). Loops and
 * repeated names get stable keys as long as the workflow calls steps in the same order,
 * which is what replay requires anyway.
 */
export class StepKeyCounter {
  private readonly seen = new Map<string, number>();

  next(name: string): string {
    const n = (this.seen.get(name) ?? 0) + 1;
    this.seen.set(name, n);
    return stepKey(name, n);
  }
}

export function stepKey(name: string, occurrence: number): string {
  return occurrence === 1 ? name : `${name}#${occurrence}`;
}

/** Inverse of stepKey: the name part and the occurrence of a key. */
export function parseStepKey(key: string): { name: string; occurrence: number } {
  const match = /^(.*)#(\d+)$/.exec(key);
  if (match === null) return { name: key, occurrence: 1 };
  return { name: match[1] as string, occurrence: Number(match[2]) };
}

const VALID_NAME = /^[^\s#][^#]*$/;

/** Step names must be non-empty text without `#` (reserved for the counter). */
export function isValidStepName(name: string): boolean {
  return name.length > 0 && name.length <= 200 && VALID_NAME.test(name);
}
