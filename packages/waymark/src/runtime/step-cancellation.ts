/**
 * Cancelling one step, not the run: the `signal` ctx.step, ctx.sleep, ctx.run and ctx.group
 * accept (the DSL's `fail_fast` scopes abort it). A step that had begun — an attempt running,
 * a sleep, a child run, a retry backoff — is recorded `cancelled` and replays as the same
 * StepCancelledError; a step reached after its scope was cancelled never starts and leaves no
 * record.
 */
import { onNextMacrotask } from './next-macrotask.ts';
import { cancelledStep } from '../core/cancelled-steps.ts';
import { StepCancelledError } from '../core/errors.ts';
import type { NewHistoryEvent } from '../core/history.ts';
import { deserializeError } from '../core/serialize-error.ts';
import type { StepRecord } from '../core/step.ts';
import type { RunExecution } from './run-execution.ts';

function reasonOf(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason.message : 'its scope was cancelled';
}

/** The error of a step reached after its scope was cancelled. */
export function notStarted(signal: AbortSignal, key: string): StepCancelledError {
  return new StepCancelledError(`step "${key}" did not start: ${reasonOf(signal)}`, {
    step: key,
    started: false,
  });
}

/** Records a step that had begun as `cancelled`, then throws what its replay throws. */
export async function recordCancelled(
  ex: RunExecution,
  step: StepRecord,
  signal: AbortSignal,
  startEvents: NewHistoryEvent[] = [],
): Promise<never> {
  const now = ex.now();
  const { error, event: cancelledEvent } = cancelledStep(step, reasonOf(signal), now);
  const cancelled: StepRecord = {
    ...step,
    status: 'cancelled',
    error,
    finishedAt: now,
    wakeAt: null,
  };
  await ex.saveStep(cancelled, [...startEvents, cancelledEvent], true);
  throw deserializeError(error);
}

/**
 * Waits one macrotask before a cancellable step starts work. A replay settles recorded
 * operations in microtasks, so by then a sibling's recorded failure has aborted the scope's
 * signal, and a step the first run cancelled is not started again when the run resumes.
 */
export function afterRecordedWork(): Promise<void> {
  return new Promise((resolve) => onNextMacrotask(resolve));
}
