/**
 * The time port. Nothing in the engine reads `Date.now()` or calls `setTimeout` directly, so
 * tests can drive retries, sleeps, leases and timeouts with a fake clock in milliseconds.
 */
export interface Clock {
  now(): number;
  /** Calls `fn` once `ms` have passed on this clock. Returns a function that cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    // Not unref'd: a running worker keeps its process alive (like a server) until
    // `engine.stop()`; every other timer is cleared when what it guards ends.
    const handle = setTimeout(fn, Math.max(0, ms));
    return () => clearTimeout(handle);
  },
};
