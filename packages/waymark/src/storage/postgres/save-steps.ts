import type { RunControl } from '../../core/store.ts';
import { leaseLostError, type FenceRow } from './fencing.ts';
import { type BulkWrite, columnsOf, type Outcome } from './group-commit.ts';
import type { EventValues, StepValues } from './rows.ts';
import type { Statements } from './statements.ts';
import type { Transaction } from './transaction.ts';

/** A saveStep, encoded before it is queued. */
export interface StepWrite {
  runId: string;
  fencingToken: number;
  resetRecovery: boolean;
  now: number;
  step: StepValues;
  events: EventValues[];
}

/**
 * saveStep as a bulk write: the group commit's hottest path. One statement (`saveSteps`)
 * applies every step write of a segment whose token is current, with its events and its
 * recovery reset; a write it did not apply lost its lease and changed nothing.
 */
export const saveStepsBulk: BulkWrite<StepWrite> = {
  name: 'saveStep',
  standalone: true,
  // One INSERT … ON CONFLICT cannot update a step twice.
  key: (write) => `${write.runId}\u0000${write.step[0]}`,
  runs: (write) => [write.runId],
  async apply(tx: Transaction, sql: Statements, writes: StepWrite[]): Promise<Outcome[]> {
    const steps = writes.map((w, i) => [
      i,
      w.runId,
      w.fencingToken,
      w.resetRecovery,
      w.now,
      ...w.step,
    ]);
    const events = writes.flatMap((w, i) => w.events.map((event) => [i, ...event]));
    const rows = await tx.query<{ i: number; pause_requested: boolean }>(sql.saveSteps, [
      ...columnsOf(steps, 16),
      ...columnsOf(events, 7),
    ]);
    const applied = new Map(rows.map((row) => [row.i, row.pause_requested]));
    const outcomes: Outcome[] = [];
    for (const [i, write] of writes.entries()) {
      const pauseRequested = applied.get(i);
      if (pauseRequested !== undefined) {
        outcomes.push({ ok: true, value: { pauseRequested } satisfies RunControl });
        continue;
      }
      const [row] = await tx.query<FenceRow>(sql.fence, [write.runId]);
      outcomes.push({ ok: false, error: leaseLostError(write.runId, write.fencingToken, row) });
    }
    return outcomes;
  },
};
