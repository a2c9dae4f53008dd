import { CancelledError, NotFoundError } from '../core/errors.ts';
import type { EndedRun, RunRecord, RunStatus } from '../core/run.ts';
import { isTerminalStatus } from '../core/run.ts';
import { deserializeError } from '../core/serialize-error.ts';
import type { Engine } from './engine.ts';

/** A reference to one run. */
export class RunHandle<O = unknown> {
  constructor(
    private readonly engine: Engine,
    readonly id: string,
  ) {}

  /**
   * Waits until the run ends. Resolves with its output; rejects with its error (the same
   * class it was thrown as) when it failed, or CancelledError when it was cancelled.
   */
  result(): Promise<O> {
    // Not an async function: thousands of runs may be awaited at once, and each suspended
    // async frame would stay in memory until its run ends.
    return this.engine.awaitEnd(this.id).then((run) => runResult<O>(run));
  }

  async status(): Promise<RunStatus> {
    const run = await this.engine.getRun(this.id);
    if (run === null) throw new NotFoundError(`no run with id ${this.id}`);
    return run.status;
  }

  cancel(reason?: string): Promise<RunRecord> {
    return this.engine.cancel(this.id, reason);
  }

  pause(): Promise<RunRecord> {
    return this.engine.pause(this.id);
  }

  resume(): Promise<RunRecord> {
    return this.engine.resume(this.id);
  }
}

export function runResult<O>(run: EndedRun): O {
  if (!isTerminalStatus(run.status)) throw new Error(`run ${run.id} has not ended (${run.status})`);
  if (run.status === 'completed') return run.output as O;
  if (run.error !== null) throw deserializeError(run.error);
  throw run.status === 'cancelled' ? new CancelledError() : new Error(`run ${run.id} failed`);
}
