import { cancellationError } from '../../core/child-outcome.ts';
import { isTerminalStatus, type RunRecord } from '../../core/run.ts';
import type { SerializedError } from '../../core/serialize-error.ts';
import { completedOutcome, failedOutcome, settleChildSteps } from './child-outcome.ts';
import { insertEvents, runEvents, type RunEvents } from './events.ts';
import { checkFence } from './fencing.ts';
import { lockExistingRun } from './pause-resume.ts';
import { runRecord, type RunRow } from './rows.ts';
import type { Statements } from './statements.ts';
import type { Transaction } from './transaction.ts';

export interface FinishRun {
  runId: string;
  fencingToken: number;
  now: number;
  events: RunEvents;
  /** JSON text of the output (completed), or the error (failed). */
  result:
    { status: 'completed'; output: string | null } | { status: 'failed'; error: SerializedError };
}

/** completeRun and failRun: ends a held run and hands its outcome to whoever waits on it. */
export async function finishRun(
  tx: Transaction,
  sql: Statements,
  params: FinishRun,
): Promise<void> {
  await checkFence(tx, sql, params.runId, params.fencingToken);
  const { result, now } = params;
  const [row] = await tx.query<
    Pick<RunRow, 'id' | 'workflow_name' | 'parent_run_id' | 'parent_step_key'>
  >(sql.finish, [
    params.runId,
    result.status,
    result.status === 'completed' ? result.output : null,
    result.status === 'failed' ? JSON.stringify(result.error) : null,
    now,
  ]);
  if (row === undefined) throw new Error(`run ${params.runId} vanished while held`);
  await insertEvents(tx, sql, params.events);
  const outcome =
    result.status === 'completed'
      ? completedOutcome(result.output)
      : failedOutcome({ id: row.id, workflowName: row.workflow_name }, result.error, false);
  await settleChildSteps(tx, sql, row, outcome, now);
}

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
): Promise<RunRecord> {
  const { runId, now, reason } = params;
  const root = await lockExistingRun(tx, sql, runId);
  if (isTerminalStatus(root.status)) return runRecord(root);

  const tree = await tx.query<RunRow>(sql.unfinishedTree, [runId]);
  const cancelling = tree.map((run) => run.id);
  let cancelledRoot = root;
  for (const run of tree) {
    const error = cancellationError(run.id, runId, reason);
    const [row] = await tx.query<RunRow>(sql.cancel, [run.id, JSON.stringify(error), now]);
    if (row === undefined) continue;
    if (run.id === runId) cancelledRoot = row;
    await insertEvents(
      tx,
      sql,
      runEvents(run.id, [{ type: 'run.cancelled', at: now, data: { reason: error.message } }]),
    );
    const child = { id: run.id, workflowName: run.workflow_name };
    await settleChildSteps(tx, sql, run, failedOutcome(child, error, true), now, cancelling);
  }
  return runRecord(cancelledRoot);
}
