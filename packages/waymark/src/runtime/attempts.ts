/**
 * The attempts of a retried durable call (`ctx.step`, `ctx.group`): recording an attempt's
 * start, and after a failure either parking the run until the next attempt is due or
 * recording the failure for good.
 */
import { formatDuration } from '../core/durations.ts';
import type { NewHistoryEvent } from '../core/history.ts';
import { hasAttemptsLeft, type ResolvedRetryPolicy, retryDelayMs } from '../core/retry-policy.ts';
import { type SerializedError, deserializeError } from '../core/serialize-error.ts';
import type { StepKind, StepRecord } from '../core/step.ts';
import { AttemptEvents } from './attempt-events.ts';
import type { RunExecution } from './run-execution.ts';
import { event, newStep } from './step-records.ts';
import { Suspend } from './suspension.ts';

/**
 * A new attempt's record, its start recorded in the background ("attempt 2 of 5"). `takeStart`
 * ends the attempt's events: it returns those not written yet — its start, then what it added
 * (`addEvent`) — to be written with its result.
 */
export function startAttempt(
  ex: RunExecution,
  key: string,
  name: string,
  kind: StepKind,
  attempt: number,
  policy: ResolvedRetryPolicy,
  options: { afterLostAttempt?: boolean } = {},
): { step: StepRecord; takeStart: () => NewHistoryEvent[]; addEvent: AttemptEvents['add'] } {
  const step = newStep(ex, key, name, kind, attempt);
  // The attempt before never finished (its record still says `running`: its worker died, or
  // stopped or restarted the run before it ended): say so.
  const started =
    options.afterLostAttempt === true
      ? attemptStarted(
          step,
          policy,
          { lostAttempt: attempt - 1 },
          ` (attempt ${attempt - 1} never finished: its worker stopped or died)`,
        )
      : attemptStarted(step, policy);
  const start = ex.deferStepStart(step, [started]);
  const added = new AttemptEvents(ex, step);
  return { step, takeStart: () => [...start.take(), ...added.take()], addEvent: added.add };
}

/**
 * A new attempt (`started`, a new step record) with a deadline `timeoutMs` ahead, its start
 * recorded before it runs, with the deadline as the record's `wakeAt`: a replay finds it
 * there, whatever happened since.
 */
export async function startAttemptWithDeadline(
  ex: RunExecution,
  started: StepRecord,
  policy: ResolvedRetryPolicy,
  timeoutMs: number,
): Promise<StepRecord> {
  const step: StepRecord = { ...started, wakeAt: started.startedAt + timeoutMs };
  return ex.saveStep(step, [attemptStarted(step, policy, { deadlineAt: step.wakeAt })]);
}

function attemptStarted(
  step: StepRecord,
  policy: ResolvedRetryPolicy,
  data: Record<string, unknown> = {},
  note = '',
): NewHistoryEvent {
  return event('step.started', step, step.startedAt, {
    data: {
      maxAttempts: policy.maxAttempts,
      message: `attempt ${step.attempt} of ${policy.maxAttempts}${note}`,
      ...data,
    },
  });
}

/**
 * Records a failed attempt: `retrying` with its wake time and suspends the branch when the
 * error is retryable and attempts are left, else `failed` and throws the error as recorded
 * (secrets masked), the one a replay will throw.
 */
export async function recordAttemptFailure(
  ex: RunExecution,
  started: StepRecord,
  error: SerializedError,
  policy: ResolvedRetryPolicy,
  startEvents: NewHistoryEvent[],
): Promise<never> {
  const { attempt } = started;
  const now = ex.now();
  const durationMs = now - started.startedAt;
  if (error.retryable && hasAttemptsLeft(policy, attempt)) {
    const delayMs = retryDelayMs(policy, attempt, {
      retryAfterMs: error.retryAfterMs,
      ...(ex.deps.random === undefined ? {} : { random: ex.deps.random }),
    });
    const wakeAt = now + delayMs;
    const step: StepRecord = { ...started, status: 'retrying', error, finishedAt: now, wakeAt };
    await ex.saveStep(step, [
      ...startEvents,
      event('step.failed', step, now, { durationMs, data: { error, willRetry: true } }),
      event('step.retrying', step, now, {
        data: {
          delayMs,
          wakeAt,
          nextAttempt: attempt + 1,
          maxAttempts: policy.maxAttempts,
          message: `attempt ${attempt + 1} of ${policy.maxAttempts} in ${formatDuration(delayMs)}`,
        },
      }),
    ]);
    throw new Suspend({ reason: 'retry', wakeAt });
  }
  const step: StepRecord = { ...started, status: 'failed', error, finishedAt: now };
  const saved = await ex.saveStep(
    step,
    [
      ...startEvents,
      event('step.failed', step, now, { durationMs, data: { error, willRetry: false } }),
    ],
    true,
  );
  throw deserializeError(saved.error as SerializedError);
}
