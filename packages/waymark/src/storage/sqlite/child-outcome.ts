import { errorToText } from '../../core/json-text.ts';
import { type ChildOutcome, childStepEvent } from '../../core/child-outcome.ts';
import { eventParams, type RunRow } from './row-mapping.ts';
import type { Statements } from './statements.ts';

/** The outcome as the steps table stores it (the error encoded once, here). */
export function outcomeColumns(outcome: ChildOutcome) {
  return {
    status: outcome.status,
    output: outcome.output,
    error: errorToText(outcome.error),
  };
}

/**
 * Records a child's end in the steps waiting on it and wakes their runs. Runs in `exclude`
 * are left alone (they are being cancelled along with the child).
 */
export function settleChildSteps(
  sql: Statements,
  child: Pick<RunRow, 'id' | 'parent_run_id' | 'parent_step_key'>,
  outcome: ChildOutcome,
  now: number,
  exclude?: ReadonlySet<string>,
): void {
  const linked = sql.linkedSteps.all(child.id) as SettledStep[];
  const parent = child.parent_run_id;
  const wakesParent = parent !== null && exclude?.has(parent) !== true;
  // Most runs are nobody's child: nothing to settle (and nothing to allocate for it).
  if (linked.length === 0 && !wakesParent) return;
  const settle = { ...outcomeColumns(outcome), child: child.id, now };
  const settled =
    exclude === undefined ? linked : linked.filter((step) => !exclude.has(step.run_id));
  for (const runId of new Set(settled.map((step) => step.run_id))) {
    sql.settleLinkedSteps.run({ ...settle, run_id: runId });
  }
  const woken = new Set(settled.map((step) => step.run_id));
  if (wakesParent) {
    const key = child.parent_step_key;
    // A child started by its parent's step is linked to it, and settled above already.
    if (key !== null && !settled.some((step) => step.run_id === parent && step.key === key)) {
      const step = sql.parentStep.get({ parent, key, child: child.id }) as SettledStep | undefined;
      if (step !== undefined) {
        sql.settleParentStep.run({ ...settle, parent, key });
        settled.push(step);
      }
    }
    woken.add(parent);
  }
  // The parent's history tells how its child step ended, as it does for any other step.
  for (const step of settled) {
    sql.insertEvent.run(eventParams(step.run_id, childStepEvent(step, child.id, outcome, now)));
  }
  for (const id of woken) sql.wake.run({ id, now });
}

interface SettledStep {
  run_id: string;
  key: string;
  attempt: number;
}
