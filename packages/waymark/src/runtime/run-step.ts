/** `ctx.step`: run once, retry durably, record the JSON result; cancellable by its signal. */
import { parseDuration } from '../core/durations.ts';
import { StepTimeoutError, WaymarkError } from '../core/errors.ts';
import type { NewHistoryEvent } from '../core/history.ts';
import { findNonJsonValue } from '../core/json-value.ts';
import { type SerializedError, deserializeError, serializeError } from '../core/serialize-error.ts';
import type { StepRecord } from '../core/step.ts';
import type { RunExecution } from './run-execution.ts';
import { recordAttemptFailure, startAttempt } from './attempts.ts';
import { afterRecordedWork, notStarted, recordCancelled } from './step-cancellation.ts';
import { assertSameStep, event, recordedError } from './step-records.ts';
import { defineRunSignal } from './run-signal-property.ts';
import { Suspend } from './suspension.ts';
import type { StepContext, StepFunction, StepOptions } from './workflow-context.ts';

export async function runStep<T>(
  ex: RunExecution,
  key: string,
  name: string,
  options: StepOptions,
  fn: StepFunction<T>,
): Promise<T> {
  const { signal } = options;
  const recorded = ex.recorded(key);
  let attempt = 1;
  if (recorded !== undefined) {
    assertSameStep(recorded, name, 'run');
    if (recorded.status === 'completed') return recorded.output as T;
    if (recorded.status === 'failed' || recorded.status === 'cancelled') {
      throw recordedError(recorded);
    }
    if (signal?.aborted === true) return recordCancelled(ex, recorded, signal);
    if (recorded.status === 'retrying' && recorded.wakeAt !== null && recorded.wakeAt > ex.now()) {
      throw new Suspend({ reason: 'retry', wakeAt: recorded.wakeAt });
    }
    // Due for its next attempt, or `running`: the previous attempt died with its worker.
    attempt = recorded.attempt + 1;
  }
  if (signal !== undefined) {
    await afterRecordedWork();
    if (signal.aborted) {
      if (recorded === undefined) throw notStarted(signal, key);
      return recordCancelled(ex, recorded, signal);
    }
  }
  const policy = ex.retryPolicy(options.retry);
  const timeoutMs =
    options.timeout === undefined
      ? null
      : parseDuration(options.timeout, `timeout of step "${key}"`);
  ex.checkBoundary();

  const {
    step: started,
    takeStart,
    addEvent,
  } = startAttempt(ex, key, name, 'run', attempt, policy, {
    afterLostAttempt: recorded?.status === 'running',
  });
  let output: T;
  try {
    output = await runAttempt(ex, { key, attempt, addEvent }, timeoutMs, signal, fn);
  } catch (thrown) {
    const startEvents = takeStart();
    if (ex.isFinished) throw thrown;
    if (signal?.aborted === true) return recordCancelled(ex, started, signal, startEvents);
    const error = { ...serializeError(thrown), step: key, attempt };
    return recordAttemptFailure(ex, started, error, policy, startEvents);
  }
  return recordSuccess(ex, started, output, takeStart());
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

/**
 * One attempt: the step function raced against whatever stops it — the run's abort, the
 * step's own scope signal, its timeout — each of which also aborts the signal it is given.
 */
async function runAttempt<T>(
  ex: RunExecution,
  at: { key: string; attempt: number; addEvent: StepContext['addEvent'] },
  timeoutMs: number | null,
  scope: AbortSignal | undefined,
  fn: StepFunction<T>,
): Promise<T> {
  const { key, attempt, addEvent } = at;
  const { mask } = ex;
  if (timeoutMs === null && scope === undefined) {
    const context = new RunSignalContext(ex, key, attempt, addEvent);
    return ex.abort.race(Promise.resolve().then(() => fn(context)));
  }
  const controller = new AbortController();
  const stopped = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), {
      once: true,
    });
  });
  stopped.catch(() => {});
  const runSignal = ex.abort.signal;
  const sources = scope === undefined ? [runSignal] : [runSignal, scope];
  const forward = (): void => {
    const source = sources.find((s) => s.aborted);
    controller.abort(source?.reason);
  };
  for (const source of sources) source.addEventListener('abort', forward, { once: true });
  if (sources.some((s) => s.aborted)) forward();
  const cancelTimer =
    timeoutMs === null
      ? undefined
      : ex.clock.setTimer(timeoutMs, () =>
          controller.abort(new StepTimeoutError(key, timeoutMs, attempt)),
        );
  try {
    return await Promise.race([
      Promise.resolve().then(() =>
        fn({ signal: controller.signal, attempt, runId: ex.runId, stepKey: key, addEvent, mask }),
      ),
      stopped,
    ]);
  } finally {
    cancelTimer?.();
    for (const source of sources) source.removeEventListener('abort', forward);
  }
}

/** A step's context with the run's signal, built only if the step reads it (defineRunSignal). */
class RunSignalContext implements StepContext {
  readonly runId: string;
  readonly mask: StepContext['mask'];
  declare readonly signal: AbortSignal;

  constructor(
    ex: RunExecution,
    readonly stepKey: string,
    readonly attempt: number,
    readonly addEvent: StepContext['addEvent'],
  ) {
    this.runId = ex.runId;
    this.mask = ex.mask;
    defineRunSignal(this, ex);
  }
}
