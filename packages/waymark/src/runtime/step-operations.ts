import { type Duration, parseDuration } from '../core/durations.ts';
import { StepCancelledError, StepTimeoutError } from '../core/errors.ts';
import { uuidv7 } from '../core/ids.ts';
import { serializeError } from '../core/serialize-error.ts';
import type { NewHistoryEvent } from '../core/history.ts';
import type { StepKind, StepRecord } from '../core/step.ts';
import type { RunExecution } from './run-execution.ts';
import { afterRecordedWork, notStarted, recordCancelled } from './step-cancellation.ts';
import type { StepDeadline } from './step-deadline.ts';
import { assertSameStep, event, newStep, recordedError } from './step-records.ts';
import { Suspend } from './suspension.ts';
import { validateInput } from './validate-input.ts';
import { recordedDefinition, type WorkflowDefinition } from './workflow.ts';

/**
 * The durable operations behind `ctx` besides `ctx.step` (run-step.ts) and `ctx.group`
 * (group-step.ts). Each one looks its key up in the recorded steps: a settled record is
 * replayed (after checking the workflow still calls the same kind of step there), otherwise
 * the operation runs and records its result before returning it.
 */

/** `ctx.sleep` / `ctx.sleepUntil`: the wake time is the recorded result. */
export async function sleepUntil(
  ex: RunExecution,
  key: string,
  name: string,
  until: (now: number) => number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const recorded = ex.recorded(key);
  let wakeAt: number;
  if (recorded !== undefined) {
    assertSameStep(recorded, name, 'sleep');
    if (recorded.status === 'cancelled') throw recordedError(recorded);
    wakeAt = recorded.output as number;
    if (signal?.aborted === true && ex.now() < wakeAt) {
      return recordCancelled(ex, recorded, signal);
    }
  } else {
    if (signal?.aborted === true) throw notStarted(signal, key);
    ex.checkBoundary();
    // One reading of the clock: the recorded start, wake time and duration agree to the ms.
    const now = ex.now();
    wakeAt = until(now);
    const step: StepRecord = {
      ...newStep(ex, key, name, 'sleep', 1),
      startedAt: now,
      status: 'completed',
      output: wakeAt,
      wakeAt,
      finishedAt: now,
    };
    await ex.saveStep(
      step,
      [
        event('step.sleeping', step, now, {
          data: { wakeAt, durationMs: Math.max(0, wakeAt - now) },
        }),
      ],
      true,
    );
  }
  // Timers never fire early: the run is only claimed once wakeAt has passed, and is parked
  // again if it was woken sooner (by a sibling branch, say).
  if (ex.now() < wakeAt) throw new Suspend({ reason: 'sleep', wakeAt });
}

export function sleepTarget(duration: Duration, key: string): (now: number) => number {
  return (now) => now + parseDuration(duration, `duration of sleep "${key}"`);
}

/** `ctx.now()` / `ctx.random()` / `ctx.uuid()`: produced once, then replayed. */
export async function recordValue<T>(
  ex: RunExecution,
  key: string,
  name: string,
  produce: () => T,
): Promise<T> {
  const recorded = ex.recorded(key);
  if (recorded !== undefined) {
    assertSameStep(recorded, name, 'value');
    return recorded.output as T;
  }
  const value = produce();
  const saved = await recordSettled(ex, key, name, 'value', value, 'step.recorded', { value });
  return saved.output as T;
}

/** `ctx.skip`: the decision recorded once, with its `step.skipped` event. */
export async function recordSkip(
  ex: RunExecution,
  key: string,
  name: string,
  data: Record<string, unknown>,
  signal: AbortSignal | undefined,
): Promise<void> {
  const recorded = ex.recorded(key);
  if (recorded !== undefined) return assertSameStep(recorded, name, 'skip');
  // Nothing more of a cancelled scope is recorded.
  if (signal?.aborted === true) return;
  await recordSettled(ex, key, name, 'skip', null, 'step.skipped', data);
}

/** A step settled when it is reached (a recorded value, a skip): one write, with its event. */
function recordSettled(
  ex: RunExecution,
  key: string,
  name: string,
  kind: StepKind,
  output: unknown,
  type: NewHistoryEvent['type'],
  data: Record<string, unknown>,
): Promise<StepRecord> {
  const now = ex.now();
  const step: StepRecord = {
    ...newStep(ex, key, name, kind, 1),
    status: 'completed',
    output,
    finishedAt: now,
  };
  return ex.saveStep(step, [event(type, step, now, { data })], true);
}

export interface ChildStepOptions {
  signal?: AbortSignal | undefined;
  /** With a timeout: the deadline that bounds the child run, and its length. */
  deadline?: StepDeadline;
  timeoutMs?: number;
}

/**
 * `ctx.run`: a child run, created with its parent's step in one transaction, awaited durably.
 * Cancelling the step (its signal) cancels the child run too; so does its deadline, which the
 * step records as its `wakeAt` (the parent wakes by then) and which fails it `STEP_TIMEOUT`.
 */
export async function runChild<CI, CO>(
  ex: RunExecution,
  key: string,
  name: string,
  child: WorkflowDefinition<CI, CO>,
  input: CI,
  options: ChildStepOptions,
): Promise<CO> {
  const { signal, deadline } = options;
  const recorded = ex.recorded(key);
  if (recorded !== undefined) {
    assertSameStep(recorded, name, 'child');
    if (recorded.status === 'completed') return recorded.output as CO;
    if (recorded.status === 'failed' || recorded.status === 'cancelled') {
      // Again on replay: the worker may have died between recording the step and this.
      const ended = recorded.status === 'cancelled' || ownTimeout(recorded);
      if (ended && recorded.childRunId !== null) {
        await ex.cancelChildRun(recorded.childRunId, key, stopReason(recorded));
      }
      throw recordedError(recorded);
    }
    if (signal?.aborted === true) return cancelChildStep(ex, recorded, signal);
    const due = recorded.wakeAt;
    if (due !== null && (deadline?.timedOut === true || due <= ex.now())) {
      return timeOutChildStep(ex, recorded, due);
    }
    if (due !== null) deadline?.arm(due, recorded.startedAt);
    throw new Suspend({ reason: 'child', wakeAt: due, stepKey: key });
  }
  if (signal !== undefined) {
    await afterRecordedWork();
    if (signal.aborted) throw notStarted(signal, key);
  }
  ex.checkBoundary();
  ex.deps.registerWorkflow(child as WorkflowDefinition);
  const validInput = await validateInput(child.inputSchema, input, child.name);
  const now = ex.now();
  const childRunId = uuidv7(now);
  const due = options.timeoutMs === undefined ? null : now + options.timeoutMs;
  const step: StepRecord = {
    ...newStep(ex, key, name, 'child', 1),
    status: 'waiting',
    childRunId,
    wakeAt: due,
  };
  await ex.startChildRun({
    step,
    now,
    events: [
      event('step.waiting', step, now, {
        data: { childRunId, workflow: child.name, ...(due === null ? {} : { deadlineAt: due }) },
      }),
    ],
    child: {
      id: childRunId,
      workflowName: child.name,
      workflowVersion: child.version,
      input: validInput,
      parentRunId: ex.runId,
      parentStepKey: key,
      now,
      deadlineAt: child.timeoutMs === null ? null : now + child.timeoutMs,
      definition: recordedDefinition(child as WorkflowDefinition),
      events: [
        { type: 'run.created', at: now, data: { parentRunId: ex.runId, parentStepKey: key } },
      ],
    },
  });
  if (due !== null) deadline?.arm(due, now);
  throw new Suspend({ reason: 'child', wakeAt: due, stepKey: key });
}

/** A child step that failed by its own deadline (not by a failing child). */
function ownTimeout(step: StepRecord): boolean {
  return step.error?.code === 'STEP_TIMEOUT' && step.error.step === step.key;
}

function stopReason(step: StepRecord): string {
  return ownTimeout(step) ? 'timed out' : 'was cancelled';
}

/** Records the step failed `STEP_TIMEOUT`, then (only once that is recorded) cancels the child. */
async function timeOutChildStep(
  ex: RunExecution,
  recorded: StepRecord,
  deadlineAt: number,
): Promise<never> {
  const now = ex.now();
  const timeoutMs = deadlineAt - recorded.startedAt;
  const { stack: _stack, ...error } = serializeError(new StepTimeoutError(recorded.key, timeoutMs));
  const step: StepRecord = { ...recorded, status: 'failed', error, finishedAt: now, wakeAt: null };
  const saved = await ex.saveStep(
    step,
    [
      event('step.failed', step, now, {
        durationMs: now - recorded.startedAt,
        data: { error, willRetry: false },
      }),
    ],
    true,
  );
  if (recorded.childRunId !== null) {
    await ex.cancelChildRun(recorded.childRunId, recorded.key, 'timed out');
  }
  throw recordedError(saved);
}

/** Records the parent's step cancelled, then (only once that is recorded) cancels the child. */
async function cancelChildStep(
  ex: RunExecution,
  recorded: StepRecord,
  signal: AbortSignal,
): Promise<never> {
  let cancelled: unknown;
  try {
    await recordCancelled(ex, recorded, signal);
  } catch (error) {
    cancelled = error;
  }
  if (cancelled instanceof StepCancelledError && recorded.childRunId !== null) {
    await ex.cancelChildRun(recorded.childRunId, recorded.key);
  }
  throw cancelled;
}
