import type { EndedRun } from '../core/run.ts';

/** Resolved with how the run ended, or undefined when it may have ended (read it). */
export type EndResolver = (ended: EndedRun | undefined) => void;

/**
 * Who waits for which run to end. Thousands of runs may be awaited at once, nearly all by one
 * `result()` each: a run's only waiter is kept as the function itself, a Set only from the
 * second on.
 */
export class EndWaiters {
  private readonly byRun = new Map<string, EndResolver | Set<EndResolver>>();

  get size(): number {
    return this.byRun.size;
  }

  runIds(): string[] {
    return [...this.byRun.keys()];
  }

  /** Waits for the run's end; `resolver` identifies the waiter for `withdraw`. */
  wait(runId: string): { ended: Promise<EndedRun | undefined>; resolver: EndResolver } {
    let resolver!: EndResolver;
    const ended = new Promise<EndedRun | undefined>((resolve) => (resolver = resolve));
    const current = this.byRun.get(runId);
    if (current === undefined) this.byRun.set(runId, resolver);
    else if (current instanceof Set) current.add(resolver);
    else this.byRun.set(runId, new Set([current, resolver]));
    return { ended, resolver };
  }

  /** Takes a waiter back (its run was read ended); no-op once the run was notified. */
  withdraw(runId: string, resolver: EndResolver): void {
    const current = this.byRun.get(runId);
    if (current === resolver) {
      this.byRun.delete(runId);
    } else if (current instanceof Set && current.delete(resolver) && current.size === 0) {
      this.byRun.delete(runId);
    }
  }

  /** Resolves and forgets every waiter of the run. */
  notify(runId: string, ended: EndedRun | undefined): void {
    const current = this.byRun.get(runId);
    if (current === undefined) return;
    this.byRun.delete(runId);
    if (current instanceof Set) for (const resolve of current) resolve(ended);
    else current(ended);
  }
}
