import { StepCancelledError } from './errors.ts';
import type { NewHistoryEvent } from './history.ts';
import { type SerializedError, serializeError } from './serialize-error.ts';

// What a store records for the steps a run leaves unfinished when it is cancelled (a step
// running, retrying or waiting on a child): they end `cancelled`, as a step cancelled by its
// own signal does, so no step of an ended run stays "running" in its record and history.
// Shared by the store implementations and the runtime (a step cancelled by its signal).

/** An unfinished step of a run being cancelled, as the store reads it. */
export interface UnfinishedStep {
  key: string;
  attempt: number;
  startedAt: number;
}

/** The error and `step.cancelled` event of a started step cancelled for `reason`, at `now`. */
export function cancelledStep(
  step: UnfinishedStep,
  reason: string,
  now: number,
): { error: SerializedError; event: NewHistoryEvent } {
  // Without a stack: where it was cancelled from says nothing about the step.
  const { stack: _stack, ...error } = serializeError(
    new StepCancelledError(`step "${step.key}" was cancelled: ${reason}`, {
      step: step.key,
      started: true,
    }),
  );
  return {
    error,
    event: {
      type: 'step.cancelled',
      at: now,
      stepKey: step.key,
      attempt: step.attempt,
      durationMs: now - step.startedAt,
      data: { error, message: reason },
    },
  };
}
