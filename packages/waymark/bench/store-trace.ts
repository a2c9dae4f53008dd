import type { Store } from '../src/index.ts';

export interface CallStats {
  calls: number;
  /** Summed time from the call to its promise settling (queueing and group commit included). */
  totalMs: number;
}

/**
 * Wraps a Store so every call is counted and timed, for `--trace`: how many store round
 * trips a step costs, and how long each kind waits. Off by default, since the wrapper has a
 * cost of its own.
 */
export function traceStore(store: Store): { store: Store; stats: Map<string, CallStats> } {
  const stats = new Map<string, CallStats>();
  const traced = new Proxy(store, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || typeof property !== 'string') return value;
      return (...args: unknown[]): unknown => {
        const entry = stats.get(property) ?? { calls: 0, totalMs: 0 };
        stats.set(property, entry);
        entry.calls++;
        const start = performance.now();
        const result: unknown = Reflect.apply(value, target, args);
        if (result instanceof Promise) {
          const done = (): void => {
            entry.totalMs += performance.now() - start;
          };
          result.then(done, done);
        }
        return result;
      };
    },
  });
  return { store: traced, stats };
}
