/**
 * Waiting in real time for a condition another party brings about: a store on a network, a
 * child process, a real worker. The check is repeated after a short sleep, so the waiting test
 * leaves the CPU to whoever it waits for (a 2-core machine runs two test files at once).
 */
import { setTimeout as delay } from 'node:timers/promises';

/** Polls `predicate` every `intervalMs` until it holds; after `timeoutMs`, fails naming `what`. */
export async function waitFor(
  what: string,
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
  intervalMs = 5,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(intervalMs);
  }
}

/** waitFor, for a condition the test's own code names well enough. */
export function until(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs?: number,
): Promise<void> {
  return waitFor('a condition', predicate, timeoutMs);
}
