/**
 * `ctx.group`: durable calls retried as a whole, with the machinery of a step's retries — a
 * failed attempt is recorded `retrying` (history: step.failed, step.retrying "attempt 2 of 3
 * in 2s") and the run parks until the next attempt is due.
 *
 * The group's record holds the attempt its calls belong to; the caller names them after it,
 * so a retry runs them anew. A replay re-enters the recorded attempt: its finished calls
 * replay from their own records (which rebuilds whatever the caller derives from them), and
 * a settled group's record, not the replayed calls, decides how it ends.
 */
import type { NewHistoryEvent } from '../core/history.ts';
import type { ResolvedRetryPolicy } from '../core/retry-policy.ts';
import { serializeError } from '../core/serialize-error.ts';
import { isStepSettled, type StepRecord } from '../core/step.ts';
import type { RunExecution } from './run-execution.ts';
import { notStarted, recordCancelled } from './step-cancellation.ts';
import { assertSameStep, event, recordedError } from './step-records.ts';
import { Suspend } from './suspension.ts';
import { recordAttemptFailure, startAttempt } from './attempts.ts';
import type { GroupOptions } from './workflow-context.ts';

interface GroupAttempt {
  attempt: number;
  /** The record this attempt writes from. */
  step: StepRecord;
  /** Start events not written yet (see RunExecution.deferStepStart). */
  takeStart(): NewHistoryEvent[];
  policy: ResolvedRetryPolicy;
}

export async function runGroup<T>(
  ex: RunExecution,
  key: string,
  name: string,
  options: GroupOptions,
  fn: (attempt: number) => Promise<T>,
): Promise<T> {
  const { signal } = options;
  // Only the group's own reads and writes are tracked: while `fn` runs, its calls are.
  const entry = await ex.track(() => enterGroup(ex, key, name, options), signal);
  let output: T;
  try {
    output = await fn(entry.attempt);
  } catch (error) {
    return ex.track(() => attemptFailed(ex, entry, error, signal), signal);
  }
  return ex.track(() => attemptSucceeded(ex, entry, output), signal);
}

async function enterGroup(
  ex: RunExecution,
  key: string,
  name: string,
  options: GroupOptions,
): Promise<GroupAttempt> {
  const { signal } = options;
  const policy = ex.retryPolicy(options.retry);
  const recorded = ex.recorded(key);
  let attempt = 1;
  if (recorded !== undefined) {
    assertSameStep(recorded, name, 'group');
    if (isStepSettled(recorded) || recorded.status === 'running') {
      return { attempt: recorded.attempt, step: recorded, takeStart: () => [], policy };
    }
    if (signal?.aborted === true) return recordCancelled(ex, recorded, signal);
    if (recorded.wakeAt !== null && recorded.wakeAt > ex.now()) {
      throw new Suspend({ reason: 'retry', wakeAt: recorded.wakeAt });
    }
    attempt = recorded.attempt + 1;
  } else if (signal?.aborted === true) {
    throw notStarted(signal, key);
  }
  const { step, takeStart } = startAttempt(ex, key, name, 'group', attempt, policy);
  return { attempt, step, takeStart, policy };
}

async function attemptSucceeded<T>(ex: RunExecution, entry: GroupAttempt, output: T): Promise<T> {
  const current = ex.recorded(entry.step.key);
  if (current?.status === 'completed') return output;
  if (current !== undefined && isStepSettled(current)) {
    throw recordedError(current);
  }
  const now = ex.now();
  // The output is rebuilt by replaying the calls inside; the record keeps only the outcome.
  const step: StepRecord = { ...entry.step, status: 'completed', output: null, finishedAt: now };
  await ex.saveStep(
    step,
    [
      ...entry.takeStart(),
      event('step.succeeded', step, now, { durationMs: now - entry.step.startedAt }),
    ],
    true,
  );
  return output;
}

async function attemptFailed(
  ex: RunExecution,
  entry: GroupAttempt,
  thrown: unknown,
  signal: AbortSignal | undefined,
): Promise<never> {
  const current = ex.recorded(entry.step.key);
  if (current?.status === 'completed') throw thrown;
  if (current !== undefined && isStepSettled(current)) {
    throw recordedError(current);
  }
  if (signal?.aborted === true) {
    return recordCancelled(ex, current ?? entry.step, signal, entry.takeStart());
  }
  return recordAttemptFailure(
    ex,
    entry.step,
    serializeError(thrown),
    entry.policy,
    entry.takeStart(),
  );
}
