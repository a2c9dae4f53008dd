/**
 * Waits until `predicate` holds, letting pending I/O and promise callbacks run between checks
 * (real time, up to `timeoutMs`: a store on a network, a child process, a real worker). The
 * default allows for a loaded 2-core machine starting a process.
 */
import { settle } from '../src/testing/fake-clock.ts';

export async function until(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await settle(1);
  }
}
