import { cancellationError, completedOutcome, failedOutcome } from '../../core/child-outcome.ts';
import { cancelledStep } from '../../core/cancelled-steps.ts';
import { isTerminalStatus } from '../../core/run.ts';
import type { CancelledRun, CancelRunResult } from '../../core/store.ts';
import type { SerializedError } from '../../core/serialize-error.ts';
import { settleChildSteps } from './child-outcome.ts';
import { checkFence } from './fencing.ts';
import { existingRun } from './pause-resume.ts';
import {
  eventParams,
  runRecordOf,
  type EventParams,
  type RunRow,
  type StepRow,
} from './row-mapping.ts';
import type { Statements } from './statements.ts';

type EndedRunRow = Pick<RunRow, 'id' | 'workflow_name' | 'parent_run_id' | 'parent_step_key'>;

export interface FinishRun {
  runId: string;
  fencingToken: number;
  now: number;
  events: EventParams[];
  /** JSON text of the output (completed), or the error (failed). */
  result:
    { status: 'completed'; output: string | null } | { status: 'failed'; error: SerializedError };
}

/** completeRun and failRun: ends a held run and hands its outcome to whoever waits on it. */
export function finishRun(sql: Statements, params: FinishRun): void {
  checkFence(sql, params.runId, params.fencingToken);
  const { result, now } = params;
  sql.finish.run({
    id: params.runId,
    status: result.status,
    output: result.status === 'completed' ? result.output : null,
    error: result.status === 'failed' ? JSON.stringify(result.error) : null,
    now,
  });
  const row = sql.endedRun.get(params.runId) as EndedRunRow;
  for (const event of params.events) sql.insertEvent.run(event);
  const outcome =
    result.status === 'completed'
      ? completedOutcome(result.output)
      : failedOutcome({ id: row.id, workflowName: row.workflow_name }, result.error, false);
  settleChildSteps(sql, row, outcome, now);
}

/**
 * Cancels a run and every unfinished run below it. Each gets a new fencing token, so a
 * worker still executing one fails its next write with LEASE_LOST. Only steps outside the
 * cancelled tree are settled: a parent being cancelled too needs no wake-up.
 */
export function cancelTree(
  sql: Statements,
  params: { runId: string; now: number; reason?: string },
): CancelRunResult {
  const { runId, now, reason } = params;
  const root = existingRun(sql, runId);
  if (isTerminalStatus(root.status)) return { run: runRecordOf(root), cancelled: [] };

  const tree = sql.unfinishedTree.all({ id: runId }) as RunRow[];
  const cancelling = new Set(tree.map((run) => run.id));
  let cancelledRoot = root;
  const cancelled: CancelledRun[] = [];
  for (const run of tree) {
    const error = cancellationError(run.id, runId, reason);
    const message = error.message;
    const row = sql.cancel.get({ id: run.id, error: JSON.stringify(error), now }) as RunRow;
    if (run.id === runId) cancelledRoot = row;
    cancelled.push({ id: run.id, workflowName: run.workflow_name, reason: message });
    cancelUnfinishedSteps(sql, run.id, message, now);
    sql.insertEvent.run(
      eventParams(run.id, { type: 'run.cancelled', at: now, data: { reason: message } }),
    );
    const child = { id: run.id, workflowName: run.workflow_name };
    settleChildSteps(sql, run, failedOutcome(child, error, true), now, cancelling);
  }
  return { run: runRecordOf(cancelledRoot), cancelled };
}

/** Ends the steps the run leaves unfinished `cancelled`, each with its step.cancelled event. */
function cancelUnfinishedSteps(
  sql: Statements,
  runId: string,
  /** Why: the run's cancellation message. */
  reason: string,
  now: number,
): void {
  const steps = sql.unfinishedSteps.all(runId) as Array<
    Pick<StepRow, 'key' | 'attempt' | 'started_at'>
  >;
  for (const step of steps) {
    const { error, event } = cancelledStep(
      { key: step.key, attempt: step.attempt, startedAt: step.started_at },
      reason,
      now,
    );
    sql.cancelStep.run({ run_id: runId, key: step.key, error: JSON.stringify(error), now });
    sql.insertEvent.run(eventParams(runId, event));
  }
}
