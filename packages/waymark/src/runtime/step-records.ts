/** Helpers the durable operations share: the replay check, a new step record, its events. */
import { NonDeterminismError } from '../core/errors.ts';
import type { NewHistoryEvent } from '../core/history.ts';
import { type SerializedError, deserializeError } from '../core/serialize-error.ts';
import type { StepKind, StepRecord } from '../core/step.ts';
import type { RunExecution } from './run-execution.ts';

export function assertSameStep(recorded: StepRecord, name: string, kind: StepKind): void {
  if (recorded.name === name && recorded.kind === kind) return;
  throw new NonDeterminismError(
    `replay reached step "${recorded.key}", recorded as ${recorded.kind} "${recorded.name}", ` +
      `but the workflow now calls ${kind} "${name}" there; the workflow code changed under a run in flight`,
    { step: recorded.key },
  );
}

export function newStep(
  ex: RunExecution,
  key: string,
  name: string,
  kind: StepKind,
  attempt: number,
): StepRecord {
  return {
    runId: ex.runId,
    key,
    name,
    kind,
    status: 'running',
    attempt,
    output: undefined,
    error: null,
    startedAt: ex.now(),
    finishedAt: null,
    wakeAt: null,
    childRunId: null,
  };
}

export function event(
  type: NewHistoryEvent['type'],
  step: StepRecord,
  at: number,
  extra: Partial<NewHistoryEvent> = {},
): NewHistoryEvent {
  return { type, at, stepKey: step.key, attempt: step.attempt, ...extra };
}

/** The error a settled (failed or cancelled) record rethrows on replay, as its own class. */
export function recordedError(record: StepRecord): Error {
  return deserializeError(record.error as SerializedError);
}
