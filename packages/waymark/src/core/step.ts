import type { SerializedError } from './serialize-error.ts';

/**
 * A step is a memoized unit of a run, keyed by name plus occurrence (`fetch#2`).
 * - `run`: a function; its output or final error is the recorded result.
 * - `sleep`: the wake time is the recorded result; replay parks until it, never re-computes it.
 * - `child`: a child run; the store writes the child's outcome into this step when it ends.
 * - `value`: a recorded `now()` / `random()` / `uuid()`.
 * - `wait`: reserved for events and signals.
 * - `group`: other durable calls retried as a whole (`ctx.group`); the record holds the attempt
 *   the calls inside belong to.
 * - `skip`: a step the workflow decided not to run (`ctx.skip`); recorded so the history shows
 *   the decision once, however often the run is replayed.
 */
export type StepKind = 'run' | 'sleep' | 'wait' | 'child' | 'value' | 'group' | 'skip';

/**
 * `running`: an attempt started and has no result yet (after a crash: the attempt was lost).
 * `retrying`: the attempt failed and the next one is due at `wakeAt`.
 * `waiting`: a child run is under way.
 * `cancelled`: the step's scope was cancelled (its `signal` aborted: a `fail_fast` sibling
 * failed) while it ran, slept, waited for a child or for its next attempt; it never runs again.
 */
export type StepStatus = 'running' | 'retrying' | 'waiting' | 'completed' | 'failed' | 'cancelled';

export interface StepRecord {
  runId: string;
  key: string;
  name: string;
  kind: StepKind;
  status: StepStatus;
  attempt: number;
  output: unknown;
  error: SerializedError | null;
  startedAt: number;
  finishedAt: number | null;
  /**
   * Next attempt's due time (`retrying`), the wake time (`sleep`), or the deadline of a step
   * under way (a group attempt with a timeout, a child step with one).
   */
  wakeAt: number | null;
  childRunId: string | null;
}

export function isStepSettled(step: StepRecord): boolean {
  return step.status === 'completed' || step.status === 'failed' || step.status === 'cancelled';
}
