import { cancelledStep } from '../../core/cancelled-steps.ts';
import { cancellationError, completedOutcome, failedOutcome } from '../../core/child-outcome.ts';
import type { NewHistoryEvent } from '../../core/history.ts';
import { isTerminalStatus } from '../../core/run.ts';
import type { CancelledRun, CancelRunResult } from '../../core/store.ts';
import type { SerializedError } from '../../core/serialize-error.ts';
import { settleChildSteps } from './child-outcome.ts';
import { insertEvents, runEvents } from './events.ts';
import { leaseLostError, type FenceRow } from './fencing.ts';
import { type BulkWrite, columnsOf, type Outcome } from './group-commit.ts';
import { lockExistingRun } from './pause-resume.ts';
import { runRecordOf, type EventValues, type RunRow, type StepRow } from './rows.ts';
import type { Statements } from './statements.ts';
import type { Transaction } from './transaction.ts';

/** completeRun or failRun, encoded before it is queued. */
export interface EndWrite {
  runId: string;
  /** Ordered with the parent's writes too: ending the run writes the parent's step and row. */
  parentRunId: string | null;
  fencingToken: number;
  now: number;
  events: EventValues[];
  /** JSON text of the output (completed), or the error (failed). */
  result:
    { status: 'completed'; output: string | null } | { status: 'failed'; error: SerializedError };
}

type EndedRow = Pick<RunRow, 'id' | 'workflow_name' | 'parent_run_id' | 'parent_step_key'> & {
  i: number;
  linked: boolean;
};

/**
 * completeRun and failRun as a bulk write: one statement ends every run of the segment whose
 * token is current, with its events. A run that is someone's child (or that a step links to)
 * then hands its outcome to the waiting step and wakes its run — extra statements, for
 * those runs only.
 */
export const endRunsBulk: BulkWrite<EndWrite> = {
  name: 'endRun',
  key: (write) => write.runId,
  runs: (write) => (write.parentRunId === null ? [write.runId] : [write.runId, write.parentRunId]),
  async apply(tx: Transaction, sql: Statements, writes: EndWrite[]): Promise<Outcome[]> {
    const runs = writes.map((w, i) => [
      i,
      w.runId,
      w.fencingToken,
      w.result.status,
      w.result.status === 'completed' ? w.result.output : null,
      w.result.status === 'failed' ? JSON.stringify(w.result.error) : null,
      w.now,
    ]);
    const events = writes.flatMap((w, i) => w.events.map((event) => [i, ...event]));
    const rows = await tx.query<EndedRow>(sql.endRuns, [
      ...columnsOf(runs, 7),
      ...columnsOf(events, 7),
    ]);
    const ended = new Map(rows.map((row) => [row.i, row]));
    const outcomes: Outcome[] = [];
    for (const [i, write] of writes.entries()) {
      const row = ended.get(i);
      if (row === undefined) {
        const [fence] = await tx.query<FenceRow>(sql.fence, [write.runId]);
        outcomes.push({ ok: false, error: leaseLostError(write.runId, write.fencingToken, fence) });
        continue;
      }
      if (row.parent_run_id !== null || row.linked) {
        const { result } = write;
        const outcome =
          result.status === 'completed'
            ? completedOutcome(result.output)
            : failedOutcome({ id: row.id, workflowName: row.workflow_name }, result.error, false);
        await settleChildSteps(tx, sql, row, outcome, write.now);
      }
      outcomes.push({ ok: true, value: undefined });
    }
    return outcomes;
  },
};

/**
 * Cancels a run and every unfinished run below it. Each gets a new fencing token, so a
 * worker still executing one fails its next write with LEASE_LOST. Only steps outside the
 * cancelled tree are settled: a parent being cancelled too needs no wake-up. A descendant
 * that ended meanwhile (its worker committed first) keeps its end.
 */
export async function cancelTree(
  tx: Transaction,
  sql: Statements,
  params: { runId: string; now: number; reason?: string },
): Promise<CancelRunResult> {
  const { runId, now, reason } = params;
  const root = await lockExistingRun(tx, sql, runId);
  if (isTerminalStatus(root.status)) return { run: runRecordOf(root), cancelled: [] };

  const tree = await tx.query<RunRow>(sql.unfinishedTree, [runId]);
  const cancelling = tree.map((run) => run.id);
  let cancelledRoot = root;
  const cancelled: CancelledRun[] = [];
  for (const run of tree) {
    const error = cancellationError(run.id, runId, reason);
    const [row] = await tx.query<RunRow>(sql.cancel, [run.id, JSON.stringify(error), now]);
    if (row === undefined) continue;
    if (run.id === runId) cancelledRoot = row;
    cancelled.push({ id: run.id, workflowName: run.workflow_name, reason: error.message });
    await cancelUnfinishedSteps(tx, sql, run.id, error.message, now);
    await insertEvents(
      tx,
      sql,
      runEvents(run.id, [{ type: 'run.cancelled', at: now, data: { reason: error.message } }]),
    );
    const child = { id: run.id, workflowName: run.workflow_name };
    await settleChildSteps(tx, sql, run, failedOutcome(child, error, true), now, cancelling);
  }
  return { run: runRecordOf(cancelledRoot), cancelled };
}

/** Ends the steps the run leaves unfinished `cancelled`, each with its step.cancelled event. */
async function cancelUnfinishedSteps(
  tx: Transaction,
  sql: Statements,
  runId: string,
  /** Why: the run's cancellation message. */
  reason: string,
  now: number,
): Promise<void> {
  const steps = await tx.query<Pick<StepRow, 'key' | 'attempt' | 'started_at'>>(
    sql.unfinishedSteps,
    [runId],
  );
  const events: NewHistoryEvent[] = [];
  for (const step of steps) {
    const { error, event } = cancelledStep(
      { key: step.key, attempt: step.attempt, startedAt: step.started_at },
      reason,
      now,
    );
    const updated = await tx.query(sql.cancelStep, [runId, step.key, JSON.stringify(error), now]);
    if (updated.length > 0) events.push(event);
  }
  if (events.length > 0) await insertEvents(tx, sql, runEvents(runId, events));
}
