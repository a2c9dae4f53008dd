import type { Clock } from '../core/clock.ts';
import type { ClaimedRun, Store } from '../core/store.ts';
import type { EventBus } from '../telemetry/event-bus.ts';
import { type ExecutionDeps, type ExecutionOutcome, RunExecution } from './run-execution.ts';
import { WakeTimes } from './wake-times.ts';
import type { WorkflowRegistry } from './workflow-registry.ts';

/**
 * Most runs claimed in one store call, and most eager starts awaiting their write. Claims
 * follow one another (each awaits its commit), so this caps how fast a backlog enters
 * memory. A trade measured side by side against 100: 2,000 runs started at once peak ~2.5 MiB
 * lower (fewer executions alive when the GC runs), and 500 runs × 10 no-op steps run 7–14 %
 * slower (a claim waits for a group commit, which a busy worker's step writes fill).
 */
export const MAX_CLAIM_BATCH = 50;

export interface ResolvedWorkerOptions {
  workerId: string;
  /** Runs executed at once. */
  concurrency: number;
  /** Lease length; the heartbeat renews it at half that. */
  leaseMs: number;
  /** How often to look for due runs that no in-process signal announced. */
  pollMs: number;
}

interface WorkerDeps {
  store: Store;
  clock: Clock;
  bus: EventBus;
  registry: WorkflowRegistry;
  options: ResolvedWorkerOptions;
  execution: Omit<ExecutionDeps, 'notifyWork'>;
}

/**
 * The poll loop: claims due runs up to its concurrency, executes them, renews their leases,
 * and wakes up early when this process knows work became due (a run started, a child
 * created, a parked run's wake time reached). `tick()` drives one round without timers.
 */
export class Worker {
  private readonly active = new Map<string, RunExecution>();
  /** Slots promised to eager starts whose create-and-claim write is in flight. */
  private reserved = 0;
  private running = false;
  private ticking: Promise<number> | null = null;
  private tickAgain = false;
  private wakeScheduled = false;
  private cancelPoll: (() => void) | undefined;
  private cancelHeartbeat: (() => void) | undefined;
  private unsubscribeWorkDue: (() => void) | undefined;
  private readonly wakeTimes = new WakeTimes();
  private cancelWakeTimer: (() => void) | undefined;
  private wakeTimerAt: number | null = null;
  private readonly executionDeps: ExecutionDeps;

  constructor(private readonly deps: WorkerDeps) {
    this.executionDeps = { ...deps.execution, notifyWork: () => this.wake() };
  }

  execution(runId: string): RunExecution | undefined {
    return this.active.get(runId);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedulePoll();
    this.scheduleHeartbeat();
    // Work announced by other processes (a store that can tell): claim at once, not at the
    // next poll. Polling stays on, since such notifications may be lost. Work due after the
    // next poll is left to the polls (found at most pollMs late): a timer per announced time
    // would pile up under many sleeping runs.
    this.unsubscribeWorkDue = this.deps.store.onWorkDue?.((dueAt) => {
      const untilDue = dueAt - this.deps.clock.now();
      if (untilDue <= 0) this.wake();
      else if (untilDue < this.deps.options.pollMs) this.wakeAt(dueAt);
    });
    this.wake();
  }

  /** Asks for a claim round soon (coalesced). */
  wake(): void {
    if (!this.running || this.wakeScheduled) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      this.wakeScheduled = false;
      void this.tick();
    });
  }

  /** Wakes the worker when a run this process knows about becomes due. */
  wakeAt(time: number): void {
    if (!this.running) return;
    this.wakeTimes.add(time);
    this.armWakeTimer();
  }

  /** One claim round: claims due runs while there is capacity. Returns how many it claimed. */
  async tick(): Promise<number> {
    if (this.ticking !== null) {
      this.tickAgain = true;
      return 0;
    }
    this.ticking = this.claimWhileFree();
    try {
      return await this.ticking;
    } finally {
      this.ticking = null;
    }
  }

  private async claimWhileFree(): Promise<number> {
    const { store, clock, registry, options, bus } = this.deps;
    let total = 0;
    do {
      // A stopped worker claims nothing: a wake-up scheduled before stop() can still fire
      // after it, and a run claimed then would execute with no heartbeat renewing its lease.
      if (!this.running) break;
      this.tickAgain = false;
      // Claimed in batches: one huge claim transaction stalls the event loop and starts every
      // run at once (memory peaks), while batches let the first runs get going.
      const free = Math.min(
        options.concurrency - this.active.size - this.reserved,
        MAX_CLAIM_BATCH,
      );
      const workflows = registry.names();
      if (free <= 0 || workflows.length === 0) break;
      let claimed: ClaimedRun[];
      try {
        claimed = await store.claimRuns({
          workerId: options.workerId,
          now: clock.now(),
          leaseMs: options.leaseMs,
          limit: free,
          workflows,
        });
      } catch (error) {
        bus.emit({ kind: 'engine-error', at: clock.now(), operation: 'claim runs', error });
        break;
      }
      for (const run of claimed) this.launch(run);
      total += claimed.length;
      if (claimed.length === free) this.tickAgain = true;
    } while (this.tickAgain);
    return total;
  }

  /**
   * Eager start: promises a slot to a run this process is about to create and claim in one
   * write. Returns the claim to pass to `store.createRun`, or null when the worker is
   * stopped or full (the run is then created pending and claimed like any other).
   */
  reserveSlot(): { workerId: string; leaseMs: number } | null {
    const { concurrency, workerId, leaseMs } = this.deps.options;
    if (!this.running || this.active.size + this.reserved >= concurrency) return null;
    // Like claims, eager starts go at most a batch at a time: a burst of starts beyond it
    // waits for the claim loop instead of starting every run at once (memory peaks).
    if (this.reserved >= MAX_CLAIM_BATCH) return null;
    this.reserved++;
    return { workerId, leaseMs };
  }

  /** Executes a run created already claimed (see `reserveSlot`), in its reserved slot. */
  adopt(run: ClaimedRun): void {
    this.reserved--;
    if (this.running) return this.launch(run);
    // Stopped in the meantime: give the run back, due now, for whoever runs next.
    const { store, clock, bus } = this.deps;
    store
      .releaseRun({ runId: run.id, fencingToken: run.fencingToken, now: clock.now() })
      .catch((error: unknown) =>
        bus.emit({ kind: 'engine-error', at: clock.now(), operation: 'release run', error }),
      );
  }

  /** The reserved slot was not used (the run existed already, or the write failed). */
  unreserve(): void {
    this.reserved--;
    this.wake();
  }

  private launch(run: ClaimedRun): void {
    const definition = this.deps.registry.require(run.workflowName);
    const execution = new RunExecution(this.executionDeps, definition, run);
    this.active.set(run.id, execution);
    void execution.execute().then((outcome) => this.onEnded(run.id, execution, outcome));
  }

  private onEnded(runId: string, execution: RunExecution, outcome: ExecutionOutcome): void {
    // Only if it is still this execution's slot: a claim committed with the run's own park
    // (due now) may have launched the run's next execution before this one's end got here.
    if (this.active.get(runId) === execution) this.active.delete(runId);
    if (outcome.type === 'parked' && outcome.wakeAt !== null) this.wakeAt(outcome.wakeAt);
    this.wake();
  }

  private schedulePoll(): void {
    if (!this.running) return;
    this.cancelPoll = this.deps.clock.setTimer(this.deps.options.pollMs, () => {
      this.wake();
      this.schedulePoll();
    });
  }

  private armWakeTimer(): void {
    const now = this.deps.clock.now();
    // Times long past were claimed by the polls already.
    this.wakeTimes.dropUntil(now - this.deps.options.pollMs);
    const next = this.wakeTimes.peek();
    if (next === null) return;
    if (this.wakeTimerAt !== null && this.wakeTimerAt <= next) return;
    this.cancelWakeTimer?.();
    this.wakeTimerAt = next;
    this.cancelWakeTimer = this.deps.clock.setTimer(Math.max(0, next - now), () => {
      this.wakeTimerAt = null;
      this.wakeTimes.dropUntil(next);
      this.wake();
      this.armWakeTimer();
    });
  }

  private scheduleHeartbeat(): void {
    const { clock, options } = this.deps;
    this.cancelHeartbeat = clock.setTimer(Math.max(1, Math.floor(options.leaseMs / 2)), () => {
      void this.heartbeat().finally(() => {
        if (this.running || this.active.size > 0) this.scheduleHeartbeat();
      });
    });
  }

  /** Renews every held lease in one store call; abandons runs whose lease is gone. */
  async heartbeat(): Promise<void> {
    if (this.active.size === 0) return;
    const { store, clock, options, bus } = this.deps;
    const runs = [...this.active.values()]
      .filter((ex) => !ex.isFinished)
      .map((ex) => ({ runId: ex.runId, fencingToken: ex.fencingToken }));
    try {
      const result = await store.extendLeases({
        workerId: options.workerId,
        now: clock.now(),
        leaseMs: options.leaseMs,
        runs,
      });
      for (const runId of result.lost) this.active.get(runId)?.abandon();
      for (const runId of result.pauseRequested) this.active.get(runId)?.requestPause();
    } catch (error) {
      bus.emit({ kind: 'engine-error', at: clock.now(), operation: 'extend leases', error });
    }
  }

  /**
   * Stops claiming at once; runs in flight start no new step and park at their next step
   * boundary (due now, for any worker). Waits up to `graceMs` for that, then gives the rest back to the store so another worker resumes them without waiting for
   * their leases to expire.
   */
  async stop(graceMs: number): Promise<void> {
    this.running = false;
    this.unsubscribeWorkDue?.();
    this.cancelPoll?.();
    this.cancelWakeTimer?.();
    await this.ticking;
    for (const ex of this.active.values()) ex.drain();
    const pending = [...this.active.values()].map((ex) => ex.outcome);
    if (pending.length > 0 && graceMs > 0) {
      let cancelGrace: (() => void) | undefined;
      await Promise.race([
        Promise.all(pending),
        new Promise<void>((resolve) => (cancelGrace = this.deps.clock.setTimer(graceMs, resolve))),
      ]);
      cancelGrace?.();
    }
    await Promise.all([...this.active.values()].map((ex) => ex.release()));
    await Promise.all(pending);
    this.cancelHeartbeat?.();
  }
}
