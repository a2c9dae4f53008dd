/**
 * Waits until `predicate` holds, letting pending I/O and promise callbacks run between checks
 * (real time, up to `timeoutMs`: a store on a network, a child process, a real worker).
 */
import { settle } from '../src/testing/fake-clock.ts';

export async function until(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await settle(1);
  }
}
