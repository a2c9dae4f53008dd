/**
 * A run's abort, built lazily: most runs never hand a signal to anyone and are never aborted
 * while a step runs, and an AbortController (an EventTarget with its listener map) costs
 * about a kilobyte per run in flight. `signal` and `aborted` are created on first use, already
 * aborted (rejected) if the run was aborted before. The reason may be given as a function,
 * called only if someone observes it: every run is aborted when it ends, and an Error (its
 * stack captured) for nobody to see is wasted work.
 */
export class RunAbort {
  private controller: AbortController | undefined;
  private promise: Promise<never> | undefined;
  private rejectPromise: ((reason: Error) => void) | undefined;
  private abortReason: Error | (() => Error) | undefined;

  /** The run's AbortSignal: aborted when the run is cancelled, times out, ends or is released. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.reason());
    }
    return this.controller.signal;
  }

  /** Rejects with the abort reason; raced against step functions that ignore their signal. */
  get aborted(): Promise<never> {
    if (this.promise === undefined) {
      this.promise =
        this.abortReason !== undefined
          ? Promise.reject(this.reason())
          : new Promise<never>((_, reject) => (this.rejectPromise = reject));
      this.promise.catch(() => {});
    }
    return this.promise;
  }

  /** The first abort wins; later calls change nothing. */
  abort(reason: Error | (() => Error)): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    if (this.controller === undefined && this.rejectPromise === undefined) return;
    const error = this.reason();
    this.controller?.abort(error);
    this.rejectPromise?.(error);
  }

  /** The reason, made once. */
  private reason(): Error {
    if (typeof this.abortReason === 'function') this.abortReason = this.abortReason();
    return this.abortReason as Error;
  }
}
