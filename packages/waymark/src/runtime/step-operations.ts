import { type Duration, formatDuration, parseDuration } from '../core/durations.ts';
import { NonDeterminismError, StepTimeoutError, WaymarkError } from '../core/errors.ts';
import type { NewHistoryEvent } from '../core/history.ts';
import { uuidv7 } from '../core/ids.ts';
import { findNonJsonValue } from '../core/json-value.ts';
import { hasAttemptsLeft, retryDelayMs } from '../core/retry-policy.ts';
import { type SerializedError, deserializeError, serializeError } from '../core/serialize-error.ts';
import type { StepKind, StepRecord } from '../core/step.ts';
import type { RunExecution } from './run-execution.ts';
import { Suspend } from './suspension.ts';
import { validateInput } from './validate-input.ts';
import type { StepContext, StepFunction, StepOptions } from './workflow-context.ts';
import { recordedDefinition, type WorkflowDefinition } from './workflow.ts';

/**
 * The durable operations behind `ctx`. Each one looks its key up in the recorded steps:
 * a settled record is replayed (after checking the workflow still calls the same kind of
 * step there), otherwise the operation runs and records its result before returning it.
 */

function assertSameStep(recorded: StepRecord, name: string, kind: StepKind): void {
  if (recorded.name === name && recorded.kind === kind) return;
  throw new NonDeterminismError(
    `replay reached step "${recorded.key}", recorded as ${recorded.kind} "${recorded.name}", ` +
      `but the workflow now calls ${kind} "${name}" there; the workflow code changed under a run in flight`,
    { step: recorded.key },
  );
}

function newStep(
  ex: RunExecution,
  key: string,
  name: string,
  kind: StepKind,
  attempt: number,
): StepRecord {
  return {
    runId: ex.runId,
    key,
    name,
    kind,
    status: 'running',
    attempt,
    output: undefined,
    error: null,
    startedAt: ex.now(),
    finishedAt: null,
    wakeAt: null,
    childRunId: null,
  };
}

function event(
  type: NewHistoryEvent['type'],
  step: StepRecord,
  at: number,
  extra: Partial<NewHistoryEvent> = {},
): NewHistoryEvent {
  return { type, at, stepKey: step.key, attempt: step.attempt, ...extra };
}

/** `ctx.step`: run once, retry durably, record the JSON result. */
export async function runStep<T>(
  ex: RunExecution,
  key: string,
  name: string,
  options: StepOptions,
  fn: StepFunction<T>,
): Promise<T> {
  const recorded = ex.recorded(key);
  let attempt = 1;
  if (recorded !== undefined) {
    assertSameStep(recorded, name, 'run');
    if (recorded.status === 'completed') return recorded.output as T;
    if (recorded.status === 'failed') throw deserializeError(recorded.error as SerializedError);
    if (recorded.status === 'retrying' && recorded.wakeAt !== null && recorded.wakeAt > ex.now()) {
      throw new Suspend({ reason: 'retry', wakeAt: recorded.wakeAt });
    }
    // Due for its next attempt, or `running`: the previous attempt died with its worker.
    attempt = recorded.attempt + 1;
  }
  const policy = ex.retryPolicy(options.retry);
  const timeoutMs =
    options.timeout === undefined
      ? null
      : parseDuration(options.timeout, `timeout of step "${key}"`);
  ex.checkBoundary();

  const started = newStep(ex, key, name, 'run', attempt);
  const start = ex.deferStepStart(started, [
    event('step.started', started, started.startedAt, {
      data: { message: `attempt ${attempt} of ${policy.maxAttempts}` },
    }),
  ]);
  let output: T;
  try {
    output = await runAttempt(ex, key, attempt, timeoutMs, fn);
  } catch (thrown) {
    const startEvents = start.take();
    if (ex.isFinished) throw thrown;
    const error = { ...serializeError(thrown), step: key, attempt };
    const now = ex.now();
    const durationMs = now - started.startedAt;
    const retryable = error.retryable && hasAttemptsLeft(policy, attempt);
    if (retryable) {
      const delayMs = retryDelayMs(policy, attempt, {
        retryAfterMs: error.retryAfterMs,
        ...randomOption(ex),
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
    // The recorded (masked) error: the one a replay will throw.
    throw deserializeError(saved.error as SerializedError);
  }
  return recordSuccess(ex, started, output, start.take());
}

async function recordSuccess<T>(
  ex: RunExecution,
  started: StepRecord,
  output: T,
  startEvents: NewHistoryEvent[],
): Promise<T> {
  const now = ex.now();
  const bad = findNonJsonValue(output);
  if (bad !== null) {
    const error: SerializedError = {
      ...serializeError(
        new WaymarkError(
          'NOT_SERIALIZABLE',
          `step "${started.key}" returned a value that is not JSON-serializable: ${bad}`,
        ),
      ),
      step: started.key,
      attempt: started.attempt,
    };
    const step: StepRecord = { ...started, status: 'failed', error, finishedAt: now };
    const saved = await ex.saveStep(
      step,
      [...startEvents, event('step.failed', step, now, { data: { error, willRetry: false } })],
      true,
    );
    throw deserializeError(saved.error as SerializedError);
  }
  // Round-trip through JSON, and return the output as recorded (secrets masked), so the first
  // run sees exactly what a replay will see.
  const value = (output === undefined ? undefined : JSON.parse(JSON.stringify(output))) as T;
  const step: StepRecord = { ...started, status: 'completed', output: value, finishedAt: now };
  const saved = await ex.saveStep(
    step,
    [...startEvents, event('step.succeeded', step, now, { durationMs: now - started.startedAt })],
    true,
  );
  return saved.output as T;
}

function randomOption(ex: RunExecution): { random?: () => number } {
  return ex.deps.random === undefined ? {} : { random: ex.deps.random };
}

/** One attempt: the step function raced against its timeout and the run's abort signal. */
async function runAttempt<T>(
  ex: RunExecution,
  key: string,
  attempt: number,
  timeoutMs: number | null,
  fn: StepFunction<T>,
): Promise<T> {
  if (timeoutMs === null) {
    const context: StepContext = {
      get signal() {
        return ex.abort.signal;
      },
      attempt,
      runId: ex.runId,
      stepKey: key,
    };
    return Promise.race([Promise.resolve().then(() => fn(context)), ex.abort.aborted]);
  }
  const runSignal = ex.abort.signal;
  const controller = new AbortController();
  const forward = (): void => controller.abort(runSignal.reason);
  runSignal.addEventListener('abort', forward, { once: true });
  let cancelTimer: (() => void) | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    cancelTimer = ex.clock.setTimer(timeoutMs, () => {
      const error = new StepTimeoutError(key, timeoutMs, attempt);
      controller.abort(error);
      reject(error);
    });
  });
  timedOut.catch(() => {});
  try {
    return await Promise.race([
      Promise.resolve().then(() =>
        fn({ signal: controller.signal, attempt, runId: ex.runId, stepKey: key }),
      ),
      timedOut,
      ex.abort.aborted,
    ]);
  } finally {
    cancelTimer?.();
    runSignal.removeEventListener('abort', forward);
  }
}

/** `ctx.sleep` / `ctx.sleepUntil`: the wake time is the recorded result. */
export async function sleepUntil(
  ex: RunExecution,
  key: string,
  name: string,
  until: (now: number) => number,
): Promise<void> {
  const recorded = ex.recorded(key);
  let wakeAt: number;
  if (recorded !== undefined) {
    assertSameStep(recorded, name, 'sleep');
    wakeAt = recorded.output as number;
  } else {
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
  const now = ex.now();
  const step: StepRecord = {
    ...newStep(ex, key, name, 'value', 1),
    status: 'completed',
    output: value,
    finishedAt: now,
  };
  const saved = await ex.saveStep(
    step,
    [event('step.recorded', step, now, { data: { value } })],
    true,
  );
  return saved.output as T;
}

/** `ctx.run`: a child run, created with its parent's step in one transaction, awaited durably. */
export async function runChild<CI, CO>(
  ex: RunExecution,
  key: string,
  name: string,
  child: WorkflowDefinition<CI, CO>,
  input: CI,
): Promise<CO> {
  const recorded = ex.recorded(key);
  if (recorded !== undefined) {
    assertSameStep(recorded, name, 'child');
    if (recorded.status === 'completed') return recorded.output as CO;
    if (recorded.status === 'failed') throw deserializeError(recorded.error as SerializedError);
    throw new Suspend({ reason: 'child', wakeAt: null, stepKey: key });
  }
  ex.checkBoundary();
  ex.deps.registerWorkflow(child as WorkflowDefinition);
  const validInput = await validateInput(child.inputSchema, input, child.name);
  const now = ex.now();
  const childRunId = uuidv7(now);
  const step: StepRecord = { ...newStep(ex, key, name, 'child', 1), status: 'waiting', childRunId };
  await ex.startChildRun({
    step,
    now,
    events: [event('step.waiting', step, now, { data: { childRunId, workflow: child.name } })],
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
  throw new Suspend({ reason: 'child', wakeAt: null, stepKey: key });
}
