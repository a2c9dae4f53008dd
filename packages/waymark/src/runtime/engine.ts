import { type Clock, systemClock } from '../core/clock.ts';
import { type Duration, parseDuration } from '../core/durations.ts';
import { NotFoundError, ValidationError } from '../core/errors.ts';
import type { HistoryEvent } from '../core/history.ts';
import { uuidv4, uuidv7 } from '../core/ids.ts';
import { findNonJsonValue } from '../core/json-value.ts';
import { type RetryPolicy, resolveRetryPolicy } from '../core/retry-policy.ts';
import { MAX_ENDED_RUNS_READ } from '../core/list-limit.ts';
import { type EndedRun, type RunRecord, isTerminalStatus } from '../core/run.ts';
import { DEFAULT_WORKER_OPTIONS } from './worker-defaults.ts';
import { EndWaiters } from './end-waiters.ts';
import type { StepRecord } from '../core/step.ts';
import type { ClaimedRun, ListRunsParams, Store } from '../core/store.ts';
import { type EngineEventListener, EventBus } from '../telemetry/event-bus.ts';
import { RunHandle } from './run-handle.ts';
import { RunSecrets, type SecretSource } from './run-secrets.ts';
import { validateInput } from './validate-input.ts';
import { type ResolvedWorkerOptions, Worker } from './worker.ts';
import { WorkflowRegistry } from './workflow-registry.ts';
import { recordedDefinition, type WorkflowDefinition } from './workflow.ts';

export interface WorkerOptions {
  /** Runs executed at once by this engine. Default 20. */
  concurrency?: number;
  /** Lease length; a crashed worker's runs are reclaimed after it. Default 30s. */
  leaseMs?: number;
  /** Poll interval for due runs announced by no in-process signal. Default 1s. */
  pollMs?: number;
  workerId?: string;
  /** How long `stop()` waits for runs in flight before releasing them. Default 10s. */
  shutdownGraceMs?: number;
}

export interface EngineOptions {
  store: Store;
  clock?: Clock;
  workflows?: readonly WorkflowDefinition[];
  /** Worker settings, or `false` for a client that starts and inspects runs but executes none. */
  worker?: WorkerOptions | false;
  /** Default retry policy of every step (workflow and step policies override it). */
  retry?: RetryPolicy;
  /** Randomness for jitter and `ctx.random()`; tests make it deterministic. */
  random?: () => number;
  /**
   * Where secret values are read from (`ctx.secret`, a workflow's `secrets`, YAML
   * `secrets:`), e.g. `process.env` — the library itself never reads the environment. Values
   * are never recorded, and are masked (`***`) in everything runs record and announce.
   */
  secrets?: SecretSource;
}

export interface StartOptions {
  /** Run id; defaults to a new UUIDv7. Starting again with the same id returns that run. */
  id?: string;
  /** Starting twice with the same key returns the same run. */
  idempotencyKey?: string;
  /** The run becomes due after this long. */
  delay?: Duration;
}

export { DEFAULT_WORKER_OPTIONS };

/**
 * Starts, executes and inspects runs. Pass it around; there is no global engine.
 *
 * @example
 * const store = await openSqliteStore({ path: '.waymark/waymark.db' });
 * const engine = createEngine({ store, workflows: [greet] });
 * const run = await engine.start(greet, { name: 'Ada' });
 * console.log(await run.result());
 * await engine.stop();
 */
export function createEngine(options: EngineOptions): Engine {
  return new Engine(options);
}

/** How many runs `startedHere` remembers (forgetting one only costs its `result()` a read). */
const MAX_STARTED_HERE = 10_000;

export class Engine {
  readonly store: Store;
  readonly clock: Clock;
  readonly registry: WorkflowRegistry;
  private readonly bus = new EventBus();
  private readonly secrets: SecretSource | undefined;
  private readonly worker: Worker | null;
  private readonly shutdownGraceMs: number;
  /** Called when the run ended: with how, if this process's worker ended it. */
  private readonly endWaiters = new EndWaiters();
  /** Runs `start` created here that have not ended here since, oldest first (see `endsHere`). */
  private readonly startedHere = new Set<string>();
  private cancelEndPoll: (() => void) | undefined;
  /** An end poll's read is in flight (the next is armed when it is done). */
  private endPolling = false;
  private stopped = false;

  constructor(options: EngineOptions) {
    this.store = options.store;
    this.clock = options.clock ?? systemClock;
    this.secrets = options.secrets;
    this.registry = new WorkflowRegistry(options.workflows ?? []);
    const workerOptions =
      options.worker === false ? null : resolveWorkerOptions(options.worker ?? {});
    this.shutdownGraceMs =
      options.worker === false
        ? 0
        : (options.worker?.shutdownGraceMs ?? DEFAULT_WORKER_OPTIONS.shutdownGraceMs);
    this.worker =
      workerOptions === null
        ? null
        : new Worker({
            store: this.store,
            clock: this.clock,
            bus: this.bus,
            registry: this.registry,
            options: workerOptions,
            execution: {
              store: this.store,
              clock: this.clock,
              bus: this.bus,
              defaultRetry: resolveRetryPolicy(options.retry),
              registerWorkflow: (workflow) => this.registry.add(workflow),
              cancelRun: async (runId, reason) => void (await this.cancel(runId, reason)),
              onEnded: (ended) => this.notifyEnded(ended.id, ended),
              ...(options.random === undefined ? {} : { random: options.random }),
              ...(options.secrets === undefined ? {} : { secrets: options.secrets }),
            },
          });
    this.worker?.start();
  }

  /** Subscribes to run events and engine errors. Returns the unsubscribe function. */
  on(listener: EngineEventListener): () => void {
    return this.bus.on(listener);
  }

  /**
   * Starts a run (input validated against the workflow's schema, every problem listed).
   * With an idempotency key or id already used, returns the existing run.
   */
  async start<I, O>(
    workflow: WorkflowDefinition<I, O> | string,
    input: I,
    options: StartOptions = {},
  ): Promise<RunHandle<O>> {
    const definition =
      typeof workflow === 'string'
        ? (this.registry.require(workflow) as WorkflowDefinition<I, O>)
        : workflow;
    this.registry.add(definition as WorkflowDefinition);
    const checkedInput = await validateInput(definition.inputSchema, input, definition.name);
    const bad = findNonJsonValue(checkedInput);
    if (bad !== null) {
      throw new ValidationError(`input of workflow "${definition.name}" is not JSON-serializable`, [
        { path: bad.split(' ')[0] ?? '$', message: bad },
      ]);
    }
    if (options.id !== undefined) {
      const existing = await this.store.getRun({ runId: options.id });
      if (existing !== null) {
        if (existing.workflowName !== definition.name) {
          throw new ValidationError(
            `run id ${options.id} is taken by a run of "${existing.workflowName}"`,
          );
        }
        return new RunHandle<O>(this, existing.id);
      }
    }
    // Stored masked like everything else of a run: secrets belong in `secrets`, not inputs.
    const validInput = new RunSecrets(this.secrets, definition.secrets).mask(checkedInput);
    const now = this.clock.now();
    const delayMs = options.delay === undefined ? 0 : parseDuration(options.delay, 'delay');
    const events = [
      {
        type: 'run.created' as const,
        at: now,
        data: {
          workflow: definition.name,
          version: definition.version,
          delayMs,
          idempotencyKey: options.idempotencyKey ?? null,
        },
      },
    ];
    // Eager start: a run due now, with a free slot here, is created already claimed by this
    // process's worker (one write instead of a create and a claim) and starts at once.
    const claim = delayMs === 0 ? (this.worker?.reserveSlot() ?? null) : null;
    let result: { run: RunRecord; created: boolean };
    try {
      result = await this.store.createRun({
        id: options.id ?? uuidv7(now),
        workflowName: definition.name,
        workflowVersion: definition.version,
        input: validInput,
        idempotencyKey: options.idempotencyKey ?? null,
        now,
        wakeAt: now + delayMs,
        deadlineAt: definition.timeoutMs === null ? null : now + definition.timeoutMs,
        definition: recordedDefinition(definition as WorkflowDefinition),
        events,
        ...(claim === null ? {} : { claim }),
      });
    } catch (error) {
      if (claim !== null) this.worker?.unreserve();
      throw error;
    }
    const { run, created } = result;
    if (created) this.bus.emitRunEvents(run.id, run.workflowName, events);
    if (claim !== null) {
      if (created && run.status === 'running') this.worker?.adopt(run as ClaimedRun);
      else this.worker?.unreserve();
    } else if (created) {
      if (delayMs > 0) this.worker?.wakeAt(now + delayMs);
      else this.worker?.wake();
    }
    if (created && this.worker !== null) this.rememberStartedHere(run.id);
    return new RunHandle<O>(this, run.id);
  }

  /** A handle on an existing run. */
  handle<O = unknown>(runId: string): RunHandle<O> {
    return new RunHandle<O>(this, runId);
  }

  getRun(runId: string): Promise<RunRecord | null> {
    return this.store.getRun({ runId });
  }

  listRuns(params: ListRunsParams = {}): Promise<{ runs: RunRecord[]; nextCursor: string | null }> {
    return this.store.listRuns(params);
  }

  async history(runId: string): Promise<HistoryEvent[]> {
    await this.requireRun(runId);
    return this.store.listEvents({ runId });
  }

  async steps(runId: string): Promise<StepRecord[]> {
    await this.requireRun(runId);
    return this.store.listSteps({ runId });
  }

  /** Cancels a run and its unfinished descendants; a running step's signal is aborted. */
  async cancel(runId: string, reason?: string): Promise<RunRecord> {
    const now = this.clock.now();
    const { run, cancelled } = await this.store.cancelRun({
      runId,
      now,
      ...(reason === undefined ? {} : { reason }),
    });
    for (const { id, workflowName, reason: why } of cancelled) {
      // The store wrote its run.cancelled event; listeners hear it now.
      this.bus.emitRunEvents(id, workflowName, [
        { type: 'run.cancelled', at: now, data: { reason: why } },
      ]);
      // One executing here stops at once (its writes would fail anyway: its token moved on).
      this.worker?.execution(id)?.cancel();
      this.notifyEnded(id, undefined);
    }
    this.notifyEnded(runId, undefined);
    return run;
  }

  /** Pauses a run at its next step boundary (at once if it is parked). Survives restarts. */
  async pause(runId: string): Promise<RunRecord> {
    const run = await this.store.pauseRun({ runId, now: this.clock.now() });
    this.worker?.execution(runId)?.requestPause();
    return run;
  }

  /** Resumes a paused run. */
  async resume(runId: string): Promise<RunRecord> {
    const run = await this.store.resumeRun({ runId, now: this.clock.now() });
    this.worker?.wake();
    return run;
  }

  /** Runs one claim round now (tests drive the worker with it). */
  tick(): Promise<number> {
    return this.worker?.tick() ?? Promise.resolve(0);
  }

  /** Waits until the run is terminal and returns it, as stored. */
  async waitForEnd(runId: string): Promise<RunRecord> {
    await this.awaitEnd(runId);
    return this.requireRun(runId);
  }

  /**
   * Waits until the run is terminal and returns how it ended (what `RunHandle.result()`
   * needs). A run this process is executing, or started and will likely execute, is not read
   * at all: its execution hands over how it ended when its end is committed. Any other run is
   * read, and re-read when it may have ended.
   */
  awaitEnd(runId: string): Promise<EndedRun> {
    if (!this.executesHere(runId) && !this.endsHere(runId)) return this.readUntilEnded(runId);
    // Not an async function: thousands may wait at once, each suspended frame kept meanwhile.
    return this.nextEnd(runId).ended.then((ended) => ended ?? this.readUntilEnded(runId));
  }

  /** Waits for the run's end, or for when it may have ended: the end poll is armed for it. */
  private nextEnd(runId: string): ReturnType<EndWaiters['wait']> {
    const next = this.endWaiters.wait(runId);
    this.armEndPoll();
    return next;
  }

  /** Reads the run, and again each time it may have ended, until it has. */
  private async readUntilEnded(runId: string): Promise<EndedRun> {
    for (;;) {
      const next = this.nextEnd(runId);
      let run: RunRecord;
      try {
        run = await this.requireRun(runId);
      } catch (error) {
        this.endWaiters.withdraw(runId, next.resolver);
        throw error;
      }
      if (isTerminalStatus(run.status)) {
        this.endWaiters.withdraw(runId, next.resolver);
        return run;
      }
      const ended = await next.ended;
      if (ended !== undefined) return ended;
    }
  }

  /**
   * A run this engine created, not yet ended here, that its worker will likely execute: its
   * end will be announced here, so `result()` need not read it first (with a thousand runs
   * started at once, a thousand reads of runs not even claimed yet). A run another process
   * claims and ends is found by the end poll (armEndPoll).
   */
  private endsHere(runId: string): boolean {
    return this.worker !== null && !this.stopped && this.startedHere.has(runId);
  }

  /** This process's worker is executing the run: its end will be announced here. */
  private executesHere(runId: string): boolean {
    const execution = this.worker?.execution(runId);
    return execution !== undefined && !execution.isFinished;
  }

  /**
   * Runs ended by another process announce nothing here, so every second
   * (DEFAULT_WORKER_OPTIONS.pollMs) one timer reads, in one store call per thousand, which of
   * the runs waited on and not executing here have ended, and hands each to its waiters.
   * Thousands may wait at once: that is a few reads a second, not one per waiter.
   */
  private armEndPoll(): void {
    if (this.cancelEndPoll !== undefined || this.endPolling) return;
    this.cancelEndPoll = this.clock.setTimer(DEFAULT_WORKER_OPTIONS.pollMs, () => {
      this.cancelEndPoll = undefined;
      this.endPolling = true;
      void this.pollEnds().finally(() => {
        this.endPolling = false;
        if (this.endWaiters.size > 0) this.armEndPoll();
      });
    });
  }

  private async pollEnds(): Promise<void> {
    const runIds = this.endWaiters.runIds().filter((runId) => !this.executesHere(runId));
    for (let i = 0; i < runIds.length; i += MAX_ENDED_RUNS_READ) {
      const batch = runIds.slice(i, i + MAX_ENDED_RUNS_READ);
      let ended: RunRecord[];
      try {
        ended = await this.store.listEndedRuns({ runIds: batch });
      } catch {
        // The batched read failed (a closed or failing store, or one without the method): each
        // waiter reads its own run instead, which ends its wait if the run ended and rejects
        // its result() if the store cannot answer, instead of waiting forever.
        for (const runId of batch)
          if (!this.executesHere(runId)) this.notifyEnded(runId, undefined);
        continue;
      }
      for (const run of ended) this.notifyEnded(run.id, run);
    }
  }

  /**
   * Graceful stop: claims nothing more, lets runs in flight finish or park for up to
   * `graceMs`, then releases the rest for other workers. Does not close the store.
   */
  async stop(options: { graceMs?: number } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.worker?.stop(options.graceMs ?? this.shutdownGraceMs);
    // Nothing ends here any more: whoever waits for a handover reads the run instead.
    this.startedHere.clear();
    for (const runId of this.endWaiters.runIds()) this.notifyEnded(runId, undefined);
  }

  private async requireRun(runId: string): Promise<RunRecord> {
    const run = await this.store.getRun({ runId });
    if (run === null) throw new NotFoundError(`no run with id ${runId}`);
    return run;
  }

  /** Remembers a run `start` just created, for `endsHere`; the oldest are forgotten. */
  private rememberStartedHere(runId: string): void {
    this.startedHere.add(runId);
    if (this.startedHere.size > MAX_STARTED_HERE) {
      // Sets iterate in insertion order: the oldest goes, and its result() reads first.
      const [oldest] = this.startedHere;
      if (oldest !== undefined) this.startedHere.delete(oldest);
    }
  }

  private notifyEnded(runId: string, ended: EndedRun | undefined): void {
    // Ended here (or may have, if `ended` is undefined): a later result() reads it.
    this.startedHere.delete(runId);
    this.endWaiters.notify(runId, ended);
    if (this.endWaiters.size === 0) {
      this.cancelEndPoll?.();
      this.cancelEndPoll = undefined;
    }
  }
}

function resolveWorkerOptions(options: WorkerOptions): ResolvedWorkerOptions {
  const resolved = {
    workerId: options.workerId ?? `worker-${uuidv4().slice(0, 8)}`,
    concurrency: options.concurrency ?? DEFAULT_WORKER_OPTIONS.concurrency,
    leaseMs: options.leaseMs ?? DEFAULT_WORKER_OPTIONS.leaseMs,
    pollMs: options.pollMs ?? DEFAULT_WORKER_OPTIONS.pollMs,
  };
  const problems: { path: string; message: string }[] = [];
  if (!Number.isInteger(resolved.concurrency) || resolved.concurrency < 1) {
    problems.push({ path: 'worker.concurrency', message: 'must be an integer >= 1' });
  }
  if (!(resolved.leaseMs >= 100))
    problems.push({ path: 'worker.leaseMs', message: 'must be >= 100' });
  if (!(resolved.pollMs >= 1)) problems.push({ path: 'worker.pollMs', message: 'must be >= 1' });
  if (problems.length > 0) throw new ValidationError('invalid engine options', problems);
  return resolved;
}
