/**
 * A run's abort, built lazily: most runs never hand a signal to anyone and are never aborted
 * while a step runs, and an AbortController (an EventTarget with its listener map) costs
 * about a kilobyte per run in flight. `signal` is created on first use, already aborted if the
 * run was aborted before. The reason may be given as a function, called only if someone
 * observes it: every run is aborted when it ends, and an Error (its stack captured) for nobody
 * to see is wasted work.
 */
export class RunAbort {
  private controller: AbortController | undefined;
  private abortReason: Error | (() => Error) | undefined;
  /** Rejects the `race`s in progress: only those, so a settled race leaves nothing behind. */
  private racing: Set<(reason: Error) => void> | undefined;

  /** The run's AbortSignal: aborted when the run is cancelled, times out, ends or is released. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.abortReason !== undefined) this.controller.abort(this.reason());
    }
    return this.controller.signal;
  }

  /**
   * `work`, unless the run is aborted first: then the abort reason. Raced against step
   * functions that ignore their signal. A run that ends with no race in progress makes no
   * error, and a long run keeps nothing per step it raced.
   */
  race<T>(work: Promise<T>): Promise<T> {
    if (this.abortReason !== undefined) {
      work.catch(() => {}); // it may still fail: nobody is waiting for it any more
      return Promise.reject(this.reason());
    }
    const racing = (this.racing ??= new Set());
    return new Promise<T>((resolve, reject) => {
      racing.add(reject);
      work.then(
        (value) => {
          racing.delete(reject);
          resolve(value);
        },
        (error: unknown) => {
          racing.delete(reject);
          reject(error as Error);
        },
      );
    });
  }

  /** The first abort wins; later calls change nothing. */
  abort(reason: Error | (() => Error)): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    if (this.controller === undefined && (this.racing === undefined || this.racing.size === 0)) {
      return;
    }
    const error = this.reason();
    this.controller?.abort(error);
    for (const reject of this.racing ?? []) reject(error);
    this.racing = undefined;
  }

  /** The reason, made once. */
  private reason(): Error {
    if (typeof this.abortReason === 'function') this.abortReason = this.abortReason();
    return this.abortReason as Error;
  }
}
