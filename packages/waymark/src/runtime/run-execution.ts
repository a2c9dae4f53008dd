import type { Clock } from '../core/clock.ts';
import {
  CancelledError,
  LeaseLostError,
  RecoveryLimitError,
  WaymarkError,
  WorkflowTimeoutError,
} from '../core/errors.ts';
import { formatDuration } from '../core/durations.ts';
import { claimEvent, type NewHistoryEvent } from '../core/history.ts';
import { findNonJsonValue } from '../core/json-value.ts';
import {
  type ResolvedRetryPolicy,
  type RetryPolicy,
  resolveRetryPolicy,
} from '../core/retry-policy.ts';
import { type SerializedError, serializeError } from '../core/serialize-error.ts';
import { StepKeyCounter } from '../core/step-key.ts';
import type { EndedRun } from '../core/run.ts';
import type { StepRecord } from '../core/step.ts';
import type {
  ClaimedRun,
  ParkRunParams,
  RunControl,
  StartChildRunParams,
  Store,
} from '../core/store.ts';
import type { EventBus } from '../telemetry/event-bus.ts';
import { onNextMacrotask } from './next-macrotask.ts';
import { isPanicError } from './panic.ts';
import { RunAbort } from './run-abort.ts';
import { createWorkflowContext } from './create-context.ts';
import { RunSecrets, type SecretSource } from './run-secrets.ts';
import { NEVER, Suspend, type Suspension, parkTarget } from './suspension.ts';
import type { WorkflowDefinition } from './workflow.ts';

export interface ExecutionDeps {
  store: Store;
  clock: Clock;
  bus: EventBus;
  defaultRetry: ResolvedRetryPolicy;
  /** Makes a child workflow known to this process's registry. */
  registerWorkflow(definition: WorkflowDefinition): void;
  /** Work became due now (a child run was created): wake the local worker. */
  notifyWork(): void;
  /** Cancels a run (a child whose step was cancelled), aborting it if it runs here. */
  cancelRun(runId: string, reason: string): Promise<void>;
  /** The run was completed or failed by this execution, committed: how it ended. */
  onEnded(ended: EndedRun): void;
  random?: () => number;
  /** Where `ctx.secret` and the workflow's declared secrets are read from. */
  secrets?: SecretSource;
}

export type ExecutionOutcome =
  | { type: 'completed' }
  | { type: 'failed'; error: SerializedError }
  | { type: 'parked'; wakeAt: number | null }
  | { type: 'cancelled' }
  | { type: 'lost' }
  | { type: 'released' };

/**
 * One worker's execution of one claimed run: replays recorded steps, runs new ones, and ends
 * by completing, failing or parking the run (or by losing it). Every write is fenced with the
 * claim's token, so a worker that lost the run cannot change it.
 *
 * A run keeps executing in memory while it makes progress; it is replayed only after it
 * parked or its worker died.
 *
 * Secrets are masked at write time: every method here that writes (a step, events, the run's
 * output or error, a child's input) masks it first, so neither the store nor the event bus
 * ever receives a secret value, and the first run sees what a replay will (`***`).
 */
export class RunExecution {
  readonly runId: string;
  readonly fencingToken: number;
  /** The run's signal and abort promise (`abort.signal`, `abort.aborted`). */
  readonly abort = new RunAbort();
  readonly keys = new StepKeyCounter();
  readonly secrets: RunSecrets;
  /** `StepContext.mask`: one function per run, not one per attempt. */
  readonly mask = <V>(value: V): V => this.secrets.mask(value);
  pauseRequested: boolean;
  private draining = false;
  private workflowRetry: ResolvedRetryPolicy | undefined;
  private readonly steps = new Map<string, StepRecord>();
  private readonly suspensions: Suspension[] = [];
  private inflight = 0;
  private quiescenceCheck = false;
  private finished = false;
  private cancelDeadline: (() => void) | undefined;
  /** Pending step deadlines (addStepDeadline): their times, and how to cancel each timer. */
  private readonly stepDeadlines = new Map<{ at: number }, () => void>();
  private resolveOutcome!: (outcome: ExecutionOutcome) => void;
  readonly outcome = new Promise<ExecutionOutcome>((resolve) => (this.resolveOutcome = resolve));
  constructor(
    readonly deps: ExecutionDeps,
    readonly definition: WorkflowDefinition,
    readonly run: ClaimedRun,
  ) {
    this.runId = run.id;
    this.fencingToken = run.fencingToken;
    this.pauseRequested = run.pauseRequested;
    this.secrets = new RunSecrets(deps.secrets, definition.secrets);
  }

  get isFinished(): boolean {
    return this.finished;
  }

  get clock(): Clock {
    return this.deps.clock;
  }

  now(): number {
    return this.deps.clock.now();
  }

  /** Runs the execution to its end; never rejects. */
  async execute(): Promise<ExecutionOutcome> {
    try {
      await this.begin();
    } catch (error) {
      this.onThrow(error);
    }
    return this.outcome;
  }

  private async begin(): Promise<void> {
    const { run, definition } = this;
    const now = this.now();
    // The store recorded the claim's event with the claim; live listeners hear it now.
    this.emit([claimEvent(run, run.updatedAt)]);
    if (run.recovered && run.recoveryCount > definition.panic.maxRestarts) {
      const error = new RecoveryLimitError(
        `run was recovered ${run.recoveryCount} times in a row without progress (limit ${definition.panic.maxRestarts})`,
      );
      return this.fail(serializeError(error));
    }
    if (run.deadlineAt !== null) {
      if (now >= run.deadlineAt) return this.fail(serializeError(this.timeoutError()));
      this.cancelDeadline = this.clock.setTimer(run.deadlineAt - now, () => this.onDeadline());
    }
    // A first claim finds no steps: only an execution holding the run records them.
    if (run.fencingToken > 1 || run.recovered) {
      for (const step of await this.deps.store.listSteps({ runId: run.id }))
        this.steps.set(step.key, step);
    }
    if (this.finished) return;
    const ctx = createWorkflowContext(this);
    Promise.resolve()
      .then(() => definition.fn(ctx, run.input))
      .then(
        (output) => this.onReturn(output),
        (error: unknown) => this.onThrow(error),
      );
  }

  // ---- used by the durable operations (step-operations.ts) ----

  recorded(key: string): StepRecord | undefined {
    return this.steps.get(key);
  }

  /** The step's policy over the workflow's (resolved once per execution, not per step). */
  retryPolicy(step: RetryPolicy | undefined): ResolvedRetryPolicy {
    this.workflowRetry ??= resolveRetryPolicy(this.deps.defaultRetry, this.definition.retry);
    return step === undefined ? this.workflowRetry : resolveRetryPolicy(this.workflowRetry, step);
  }

  /**
   * Calls `fire` at `at`: a step's deadline (a group's or a child run's timeout). Until then a
   * park wakes the run by `at`, so the deadline is kept while the run is parked; the timer goes
   * when the execution ends. Returns a function that cancels it.
   */
  addStepDeadline(at: number, fire: () => void): () => void {
    const entry = { at };
    const cancelTimer = this.clock.setTimer(at - this.now(), () => {
      this.stepDeadlines.delete(entry);
      fire();
    });
    this.stepDeadlines.set(entry, cancelTimer);
    return () => {
      this.stepDeadlines.delete(entry);
      cancelTimer();
    };
  }

  /** Suspends instead of starting new work when a pause was requested. */
  checkBoundary(): void {
    if (this.pauseRequested) throw new Suspend({ reason: 'pause', wakeAt: this.now() });
    if (this.draining) throw new Suspend({ reason: 'shutdown', wakeAt: this.now() });
  }

  /**
   * Records a step (and its events) durably, masked; resolves after the commit with the step
   * as recorded — what the workflow must see, since a replay will see that.
   */
  async saveStep(
    unmasked: StepRecord,
    unmaskedEvents: NewHistoryEvent[],
    resetRecovery = false,
  ): Promise<StepRecord> {
    const step = this.secrets.maskStep(unmasked);
    const events = this.secrets.maskEvents(unmaskedEvents);
    const control = await this.deps.store.saveStep({
      runId: this.runId,
      fencingToken: this.fencingToken,
      step,
      now: this.now(),
      events,
      resetRecovery,
    });
    this.steps.set(step.key, step);
    this.applyControl(control);
    this.emit(events);
    return step;
  }

  /**
   * Records an attempt start one macrotask later, without waiting for it. A step that ends
   * before then (most do) writes its start events together with its result in one write —
   * `take()` hands them over; a slower step has its start recorded while it runs. Losing an
   * attempt start in a crash costs nothing: the attempt simply runs again.
   */
  deferStepStart(
    step: StepRecord,
    unmaskedEvents: NewHistoryEvent[],
  ): { take(): NewHistoryEvent[] } {
    const events = this.secrets.maskEvents(unmaskedEvents);
    let pending = true;
    onNextMacrotask(() => {
      if (!pending || this.finished) return;
      pending = false;
      this.deps.store
        .saveStep({
          runId: this.runId,
          fencingToken: this.fencingToken,
          step: this.secrets.maskStep(step),
          now: this.now(),
          events,
        })
        .then(
          (control) => {
            this.applyControl(control);
            this.emit(events);
          },
          (error: unknown) => this.onWriteError(error),
        );
    });
    return {
      take: () => {
        if (!pending) return [];
        pending = false;
        return events;
      },
    };
  }

  /**
   * Appends events in the background (an attempt's output lines), masked and fenced; a
   * failed write is handled like a failed step start's.
   */
  appendEvents(unmaskedEvents: NewHistoryEvent[]): void {
    if (this.finished) return;
    const events = this.secrets.maskEvents(unmaskedEvents);
    this.deps.store
      .appendEvents({ runId: this.runId, fencingToken: this.fencingToken, events })
      .then(
        () => this.emit(events),
        (error: unknown) => this.onWriteError(error),
      );
  }

  async startChildRun(
    unmasked: Omit<StartChildRunParams, 'runId' | 'fencingToken'>,
  ): Promise<void> {
    const { secrets } = this;
    // The child's input is masked too: a child that needs a secret declares it itself.
    const params = {
      ...unmasked,
      step: secrets.maskStep(unmasked.step),
      events: secrets.maskEvents(unmasked.events),
      child: {
        ...unmasked.child,
        input: secrets.mask(unmasked.child.input),
        events: secrets.maskEvents(unmasked.child.events),
      },
    };
    const { control } = await this.deps.store.startChildRun({
      ...params,
      runId: this.runId,
      fencingToken: this.fencingToken,
    });
    this.steps.set(params.step.key, params.step);
    this.applyControl(control);
    this.emit(params.events);
    this.deps.notifyWork();
  }

  /** Cancels a child run of this one whose step was cancelled (or timed out). */
  async cancelChildRun(childRunId: string, stepKey: string, why = 'was cancelled'): Promise<void> {
    await this.deps.cancelRun(childRunId, `step "${stepKey}" of run ${this.runId} ${why}`);
  }

  /**
   * Wraps one durable operation: counts it in flight, turns a Suspend into a parked branch
   * and a lost lease into an abandoned execution. Once the execution finished, user code
   * gets a promise that never settles, so an abandoned workflow function cannot act.
   *
   * With a `signal` (a cancellable step), a suspended operation stops waiting when the signal
   * aborts: its suspension is dropped and it runs again, now to record its cancellation.
   */
  async track<T>(operation: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (this.finished) return NEVER;
    this.inflight++;
    try {
      const value = await operation();
      return this.finished ? NEVER : value;
    } catch (error) {
      if (error instanceof Suspend) {
        this.suspensions.push(error.suspension);
        return signal === undefined
          ? NEVER
          : this.untilAborted(error.suspension, signal, operation);
      }
      if (this.finished) return NEVER;
      if (error instanceof LeaseLostError || isPanicError(error)) {
        this.onWriteError(error);
        return NEVER;
      }
      throw error;
    } finally {
      this.inflight--;
      this.scheduleQuiescenceCheck();
    }
  }

  private untilAborted<T>(
    suspension: Suspension,
    signal: AbortSignal,
    operation: () => Promise<T>,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // Synchronous in the abort, so no park can be decided in between.
      const rerun = (): void => {
        const index = this.suspensions.indexOf(suspension);
        if (index < 0 || this.finished) return; // the run parked: its replay decides
        this.suspensions.splice(index, 1);
        this.track(operation).then(resolve, reject);
      };
      if (signal.aborted) rerun();
      else signal.addEventListener('abort', rerun, { once: true });
    });
  }

  // ---- control from outside (worker, engine) ----

  requestPause(): void {
    this.pauseRequested = true;
  }

  /** The worker is stopping: start no new step; park `pending` (due now) at the next boundary. */
  drain(): void {
    this.draining = true;
  }

  /** The run was cancelled (the store already ended it): stop everything, write nothing. */
  cancel(): void {
    this.finish({ type: 'cancelled' }, new CancelledError());
  }

  /** The lease is gone (expired and reclaimed, or the run ended elsewhere). */
  abandon(): void {
    this.finish({ type: 'lost' }, new LeaseLostError(`lost the lease on run ${this.runId}`));
  }

  /** Graceful shutdown: stop the work and give the run back so another worker resumes it. */
  async release(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.abort.abort(new WaymarkError('WORKER_STOPPING', 'the worker is shutting down'));
    this.stopTimers();
    try {
      await this.deps.store.releaseRun({
        runId: this.runId,
        fencingToken: this.fencingToken,
        now: this.now(),
      });
      this.resolveOutcome({ type: 'released' });
    } catch {
      this.resolveOutcome({ type: 'lost' });
    }
  }

  // ---- endings ----

  private onReturn(output: unknown): void {
    if (this.finished) return;
    const bad = findNonJsonValue(output);
    if (bad !== null) {
      const error = new WaymarkError(
        'NOT_SERIALIZABLE',
        `workflow "${this.definition.name}" returned a value that is not JSON-serializable: ${bad}`,
      );
      return void this.fail(serializeError(error));
    }
    const value: unknown =
      output === undefined ? undefined : this.secrets.mask(JSON.parse(JSON.stringify(output)));
    const now = this.now();
    const events: NewHistoryEvent[] = [
      { type: 'run.completed', at: now, durationMs: now - this.run.createdAt },
    ];
    void this.finishWith(
      { type: 'completed' },
      { id: this.runId, status: 'completed', output: value, error: null },
      () =>
        this.deps.store.completeRun({
          runId: this.runId,
          parentRunId: this.run.parentRunId,
          fencingToken: this.fencingToken,
          output: value,
          now,
          events,
        }),
      events,
    );
  }

  private onThrow(error: unknown): void {
    if (this.finished) return;
    if (error instanceof Suspend) return; // a Suspend escaping track (cannot normally happen)
    if (isPanicError(error)) return void this.panic(error);
    void this.fail(serializeError(error));
  }

  private fail(unmasked: SerializedError): Promise<void> {
    const error = this.secrets.mask(unmasked);
    const now = this.now();
    const events: NewHistoryEvent[] = [
      { type: 'run.failed', at: now, durationMs: now - this.run.createdAt, data: { error } },
    ];
    return this.finishWith(
      { type: 'failed', error },
      // As a read would return it: the stored JSON, not this object.
      { id: this.runId, status: 'failed', output: null, error: JSON.parse(JSON.stringify(error)) },
      () =>
        this.deps.store.failRun({
          runId: this.runId,
          parentRunId: this.run.parentRunId,
          fencingToken: this.fencingToken,
          error,
          now,
          events,
        }),
      events,
    );
  }

  /** A system-level failure: restart from the last recorded step after a delay, within limits. */
  private async panic(error: unknown): Promise<void> {
    const { maxRestarts, restartDelayMs } = this.definition.panic;
    const restarts = this.run.recoveryCount + 1;
    if (restarts > maxRestarts) {
      const limit = new RecoveryLimitError(
        `run hit ${restarts} system-level failures in a row (limit ${maxRestarts}); last: ${String((error as Error)?.message ?? error)}`,
      );
      return this.fail(serializeError(limit));
    }
    const now = this.now();
    const wakeAt = now + restartDelayMs;
    const events: NewHistoryEvent[] = [
      {
        type: 'run.restarting',
        at: now,
        data: {
          error: serializeError(error),
          delayMs: restartDelayMs,
          message: `restart ${restarts} of ${maxRestarts} in ${formatDuration(restartDelayMs)}`,
        },
      },
    ];
    return this.parkAs({ status: 'pending', wakeAt, countRecovery: true }, now, events);
  }

  private onDeadline(): void {
    if (this.finished) return;
    const error = this.timeoutError();
    this.abort.abort(error);
    void this.fail(serializeError(error));
  }

  private timeoutError(): WorkflowTimeoutError {
    const { timeoutMs } = this.definition;
    const timeout = timeoutMs === null ? '?' : formatDuration(timeoutMs);
    return new WorkflowTimeoutError(
      `workflow "${this.definition.name}" passed its deadline (${timeout} after the run was created)`,
    );
  }

  private stopTimers(): void {
    this.cancelDeadline?.();
    for (const cancel of this.stepDeadlines.values()) cancel();
    this.stepDeadlines.clear();
  }

  /** When a parked run must be due again at the latest: the run's deadline or a step's. */
  private latestWake(): number | null {
    let at = this.run.deadlineAt;
    for (const deadline of this.stepDeadlines.keys()) {
      at = at === null ? deadline.at : Math.min(at, deadline.at);
    }
    return at;
  }

  private scheduleQuiescenceCheck(): void {
    if (this.inflight > 0 || this.suspensions.length === 0 || this.finished || this.quiescenceCheck)
      return;
    this.quiescenceCheck = true;
    // Let the workflow's own continuations run first: it may start more work before it idles.
    onNextMacrotask(() => {
      this.quiescenceCheck = false;
      if (this.inflight === 0 && this.suspensions.length > 0 && !this.finished) void this.park();
    });
  }

  private park(): Promise<void> {
    const { wakeAt, waitingOn, reasons } = parkTarget(this.suspensions, this.latestWake());
    const now = this.now();
    const status =
      reasons.includes('pause') || reasons.includes('shutdown')
        ? 'pending'
        : reasons.includes('sleep') || reasons.includes('retry')
          ? 'sleeping'
          : 'waiting';
    const events: NewHistoryEvent[] = [
      { type: 'run.parked', at: now, data: { reasons, wakeAt, waitingOn } },
    ];
    return this.parkAs({ status, wakeAt, waitingOn }, now, events);
  }

  private parkAs(
    target: Pick<ParkRunParams, 'status' | 'wakeAt' | 'waitingOn' | 'countRecovery'>,
    now: number,
    unmaskedEvents: NewHistoryEvent[],
  ): Promise<void> {
    const events = this.secrets.maskEvents(unmaskedEvents);
    const write = async (): Promise<void> => {
      const run = await this.deps.store.parkRun({
        ...target,
        runId: this.runId,
        fencingToken: this.fencingToken,
        now,
        events,
      });
      // The store turned the park into a pause (and recorded it): tell live listeners too.
      if (run.status === 'paused') this.emit([{ type: 'run.paused', at: now }]);
    };
    return this.finishWith({ type: 'parked', wakeAt: target.wakeAt }, undefined, write, events);
  }

  /** Marks the execution finished, performs its final fenced write, then reports the outcome. */
  private async finishWith(
    outcome: ExecutionOutcome,
    ended: EndedRun | undefined,
    write: () => Promise<void>,
    events: NewHistoryEvent[],
  ): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    this.stopTimers();
    if (outcome.type !== 'parked') {
      this.abort.abort(() => new WaymarkError('RUN_ENDED', 'the run ended'));
    }
    try {
      await write();
      this.emit(events);
      if (ended !== undefined) this.deps.onEnded(ended);
      this.resolveOutcome(outcome);
    } catch (error) {
      if (!(error instanceof LeaseLostError)) this.reportError('finish run', error);
      this.resolveOutcome({ type: 'lost' });
    }
  }

  private finish(outcome: ExecutionOutcome, reason: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.stopTimers();
    this.abort.abort(reason);
    this.resolveOutcome(outcome);
  }

  private onWriteError(error: unknown): void {
    if (this.finished) return;
    if (error instanceof LeaseLostError) return this.abandon();
    this.reportError('record step', error);
    void this.panic(error);
  }

  private applyControl(control: RunControl): void {
    if (control.pauseRequested) this.pauseRequested = true;
  }

  private emit(events: NewHistoryEvent[]): void {
    this.deps.bus.emitRunEvents(this.runId, this.run.workflowName, events);
  }

  private reportError(operation: string, error: unknown): void {
    this.deps.bus.emit({
      kind: 'engine-error',
      at: this.now(),
      operation: `${operation} (run ${this.runId})`,
      error,
    });
  }
}
