/**
 * `ctx.group`: durable calls retried as a whole, with the machinery of a step's retries — a
 * failed attempt is recorded `retrying` (history: step.failed, step.retrying "attempt 2 of 3
 * in 2s") and the run parks until the next attempt is due.
 *
 * The group's record holds the attempt its calls belong to; the caller names them after it,
 * so a retry runs them anew. A replay re-enters the recorded attempt: its finished calls
 * replay from their own records (which rebuilds whatever the caller derives from them), and
 * a settled group's record, not the replayed calls, decides how it ends.
 *
 * With a `timeout`, each attempt has a deadline, recorded with its start (step-deadline.ts):
 * past it, the signal `fn` received aborts, cancelling the calls inside, and once `fn` has
 * ended the attempt fails STEP_TIMEOUT. The group waits for `fn` rather than racing it, so
 * the calls inside end — and record their end — before the group does, as in a replay.
 */
import { parseDuration } from '../core/durations.ts';
import type { NewHistoryEvent } from '../core/history.ts';
import type { ResolvedRetryPolicy } from '../core/retry-policy.ts';
import { serializeError } from '../core/serialize-error.ts';
import { isStepSettled, type StepRecord } from '../core/step.ts';
import type { RunExecution } from './run-execution.ts';
import { notStarted, recordCancelled } from './step-cancellation.ts';
import { assertSameStep, event, newStep, recordedError } from './step-records.ts';
import { Suspend } from './suspension.ts';
import { recordAttemptFailure, startAttempt, startAttemptWithDeadline } from './attempts.ts';
import { StepDeadline } from './step-deadline.ts';
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
  fn: (attempt: number, signal: AbortSignal | undefined) => Promise<T>,
): Promise<T> {
  const { signal } = options;
  // Only the group's own reads and writes are tracked: while `fn` runs, its calls are.
  const entry = await ex.track(() => enterGroup(ex, key, name, options), signal);
  const deadline = attemptDeadline(ex, entry, signal);
  let output: T;
  try {
    output = await fn(entry.attempt, deadline?.signal ?? signal);
  } catch (error) {
    deadline?.dispose();
    const thrown = deadline?.timedOut === true ? deadline.error() : error;
    return ex.track(() => attemptFailed(ex, entry, thrown, signal), signal);
  }
  deadline?.dispose();
  if (deadline?.timedOut === true) {
    // `fn` ended well though its deadline passed (its calls did not take the signal).
    return ex.track(() => attemptFailed(ex, entry, deadline.error(), signal), signal);
  }
  return ex.track(() => attemptSucceeded(ex, entry, output), signal);
}

/**
 * The deadline of the attempt entered, from its record: an attempt under way keeps the one it
 * recorded; a replayed attempt that its deadline ended gets it again (already past, so the
 * calls inside end as they did); any other settled attempt has none.
 */
function attemptDeadline(
  ex: RunExecution,
  entry: GroupAttempt,
  scope: AbortSignal | undefined,
): StepDeadline | undefined {
  const { step } = entry;
  if (step.wakeAt === null) return undefined;
  const timedOut = step.error?.code === 'STEP_TIMEOUT' && step.error.step === step.key;
  if (isStepSettled(step) && !timedOut) return undefined;
  const deadline = new StepDeadline(ex, step.key, scope);
  deadline.arm(step.wakeAt, step.startedAt, step.attempt);
  return deadline;
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
  if (options.timeout !== undefined) {
    const timeoutMs = parseDuration(options.timeout, `timeout of group "${key}"`);
    const started = newStep(ex, key, name, 'group', attempt);
    const step = await startAttemptWithDeadline(ex, started, policy, timeoutMs);
    return { attempt, step, takeStart: () => [], policy };
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
  const step: StepRecord = {
    ...entry.step,
    status: 'completed',
    output: null,
    finishedAt: now,
    wakeAt: null,
  };
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
