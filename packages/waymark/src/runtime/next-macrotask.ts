let queue: Array<() => void> = [];

/**
 * Runs `callback` on the next macrotask (as `setImmediate` would), sharing one immediate
 * among every callback queued in the same turn: with hundreds of runs in flight, each step
 * would otherwise allocate and schedule an immediate of its own. Callbacks run in the order
 * they were queued; one that throws does not stop the others (its error is rethrown
 * asynchronously, as an uncaught exception, like a throwing `setImmediate` callback's).
 */
export function onNextMacrotask(callback: () => void): void {
  queue.push(callback);
  if (queue.length === 1) setImmediate(runQueued);
}

function runQueued(): void {
  const callbacks = queue;
  queue = [];
  for (const callback of callbacks) {
    try {
      callback();
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}
