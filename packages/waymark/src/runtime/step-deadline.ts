/**
 * The deadline of a step that is more than one attempt of a function: a group's `timeout`
 * (each attempt) and a child run's (`ctx.run`'s `timeout`). The deadline is recorded with the
 * step, as the `wakeAt` of its record while it is under way, so a run replayed after a park
 * or a crash keeps the one it started with.
 *
 * `signal` aborts when the deadline passes (reason: StepTimeoutError) or when the step's own
 * scope signal does; the step passes it to the calls inside, which are cancelled by it
 * (step-cancellation.ts). While the deadline is ahead, a parked run wakes by it.
 */
import { StepTimeoutError } from '../core/errors.ts';
import { onNextMacrotask } from './next-macrotask.ts';
import type { RunExecution } from './run-execution.ts';

export class StepDeadline {
  private readonly controller = new AbortController();
  private disarm: (() => void) | undefined;
  private armed = false;
  private disposed = false;
  private passed = false;

  constructor(
    private readonly ex: RunExecution,
    private readonly key: string,
    private readonly scope: AbortSignal | undefined,
  ) {
    if (scope?.aborted === true) this.controller.abort(scope.reason);
    else scope?.addEventListener('abort', this.forward, { once: true });
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Whether the deadline stopped the step (and not its scope, which wins when first). */
  get timedOut(): boolean {
    return this.passed;
  }

  /**
   * Aborts the signal at `at` (a step started at `startedAt`). A deadline already past — a
   * replay after it — aborts on the next macrotask, not at once: the replay first settles the
   * recorded calls inside, as they were settled before the deadline in the first run.
   */
  arm(at: number, startedAt: number, attempt?: number): void {
    if (this.armed) return;
    this.armed = true;
    const fire = (): void => {
      if (this.disposed || this.controller.signal.aborted) return;
      this.passed = true;
      this.controller.abort(new StepTimeoutError(this.key, at - startedAt, attempt));
    };
    if (at <= this.ex.now()) onNextMacrotask(fire);
    else this.disarm = this.ex.addStepDeadline(at, fire);
  }

  /** The error the step fails with once its deadline stopped it. */
  error(): StepTimeoutError {
    return this.controller.signal.reason as StepTimeoutError;
  }

  dispose(): void {
    this.disposed = true;
    this.disarm?.();
    this.scope?.removeEventListener('abort', this.forward);
  }

  private readonly forward = (): void => {
    this.controller.abort(this.scope?.reason);
  };
}
