import { type ChildOutcome, childStepEvent } from '../../core/child-outcome.ts';
import { errorToText } from '../../core/json-text.ts';
import { insertEvents } from './events.ts';
import { eventValues, type RunRow } from './rows.ts';
import type { Statements } from './statements.ts';
import type { Transaction } from './transaction.ts';

interface SettledStep {
  run_id: string;
  key: string;
  attempt: number;
}

/**
 * Records a child's end in the steps waiting on it and wakes their runs. Runs in `exclude`
 * are left alone (they are being cancelled along with the child).
 */
export async function settleChildSteps(
  tx: Transaction,
  sql: Statements,
  child: Pick<RunRow, 'id' | 'parent_run_id' | 'parent_step_key'>,
  outcome: ChildOutcome,
  now: number,
  exclude: readonly string[] = [],
): Promise<void> {
  const settle = [child.id, outcome.status, outcome.output, errorToText(outcome.error), now];
  const settled = await tx.query<SettledStep>(sql.settleLinkedSteps, [...settle, exclude]);
  const woken = new Set(settled.map((step) => step.run_id));
  const parent = child.parent_run_id;
  if (parent !== null && !exclude.includes(parent)) {
    if (child.parent_step_key !== null) {
      const [step] = await tx.query<SettledStep>(sql.settleParentStep, [
        ...settle,
        parent,
        child.parent_step_key,
      ]);
      if (step !== undefined) settled.push(step);
    }
    woken.add(parent);
  }
  // The parent's history tells how its child step ended, as it does for any other step.
  await insertEvents(
    tx,
    sql,
    settled.map((step) => [step.run_id, eventValues(childStepEvent(step, child.id, outcome, now))]),
  );
  if (woken.size === 0) return;
  const rows = await tx.query<{ status: string }>(sql.wake, [[...woken], now]);
  if (rows.some((row) => row.status === 'pending')) tx.notifyDue(now);
}
