import type { NewHistoryEvent } from './history.ts';
import type { RunStatus } from './run.ts';
import type { SerializedError } from './serialize-error.ts';

// What a store records when a child run ends, in the parent's `child` step and history.
// Pure rules and types shared by the store implementations (`storage/sqlite`, `storage/postgres`).

/** A failed or cancelled child surfaces in the parent as a ChildWorkflowError. */
export function childFailure(
  child: { id: string; workflowName: string },
  error: SerializedError,
  cancelled: boolean,
): SerializedError {
  return {
    type: 'ChildWorkflowError',
    code: cancelled ? 'CANCELLED' : 'CHILD_FAILED',
    message: cancelled
      ? `child run ${child.id} (${child.workflowName}) was cancelled`
      : `child run ${child.id} (${child.workflowName}) failed: ${error.message}`,
    retryable: false,
    details: { childRunId: child.id },
    cause: error,
  };
}

/** The error a cancelled run ends with: the run itself, or a descendant of it. */
export function cancellationError(
  runId: string,
  cancelledRunId: string,
  reason: string | undefined,
): SerializedError {
  const message =
    runId === cancelledRunId
      ? (reason ?? 'run was cancelled')
      : `ancestor run ${cancelledRunId} was cancelled${reason === undefined ? '' : `: ${reason}`}`;
  return { type: 'CancelledError', code: 'CANCELLED', message, retryable: false };
}

/** An ended run's error, or a stand-in when none was recorded. */
export function recordedError(error: SerializedError | null): SerializedError {
  return (
    error ?? { type: 'Error', code: 'STEP_FAILED', message: 'no error recorded', retryable: false }
  );
}

/** The parent's history event for its child step, as for any other step's end. */
export function childStepEvent(
  step: { key: string; attempt: number },
  childRunId: string,
  outcome: { status: 'completed' | 'failed'; error: SerializedError | null },
  now: number,
): NewHistoryEvent {
  const base = { at: now, stepKey: step.key, attempt: step.attempt };
  if (outcome.status === 'completed') {
    return { ...base, type: 'step.succeeded', data: { childRunId } };
  }
  return {
    ...base,
    type: 'step.failed',
    data: { childRunId, error: outcome.error, willRetry: false },
  };
}

/** What a parent's `child` step records once the child run ended. */
export interface ChildOutcome {
  status: 'completed' | 'failed';
  /** JSON text, as stored. */
  output: string | null;
  error: SerializedError | null;
}

export function completedOutcome(output: string | null): ChildOutcome {
  return { status: 'completed', output, error: null };
}

/** A failed or cancelled child surfaces in the parent as a ChildWorkflowError. */
export function failedOutcome(
  child: { id: string; workflowName: string },
  error: SerializedError,
  cancelled: boolean,
): ChildOutcome {
  return { status: 'failed', output: null, error: childFailure(child, error, cancelled) };
}

/** The stored columns of a run that tell how it ended (every store's runs row has them). */
export interface EndedRunColumns {
  id: string;
  workflow_name: string;
  status: RunStatus;
  output: string | null;
  error: string | null;
}

/** The outcome of a child that already ended (linked by idempotency key), or null. */
export function outcomeOfEndedRun(row: EndedRunColumns): ChildOutcome | null {
  const child = { id: row.id, workflowName: row.workflow_name };
  const error = (): SerializedError =>
    recordedError(row.error === null ? null : (JSON.parse(row.error) as SerializedError));
  switch (row.status) {
    case 'completed':
      return completedOutcome(row.output);
    case 'failed':
      return failedOutcome(child, error(), false);
    case 'cancelled':
      return failedOutcome(child, error(), true);
    default:
      return null;
  }
}
