import type { NewHistoryEvent, HistoryEvent } from './history.ts';
import type { ParkedRunStatus, RunDefinitionSource, RunRecord, RunStatus } from './run.ts';
import type { SerializedError } from './serialize-error.ts';
import type { StepRecord } from './step.ts';

/**
 * The storage port. `storage/sqlite` and `storage/postgres` implement it; nothing else
 * touches SQL.
 *
 * Rules every implementation keeps (the conformance suite in `testing/` checks them):
 * - Methods taking `fencingToken` are fenced: they apply only while the run is `running` with
 *   that exact token, and otherwise reject with `LeaseLostError` (code `LEASE_LOST`) and
 *   change nothing.
 * - A write and the history events passed with it commit in one transaction.
 * - A promise resolves only after its transaction is durable (group commit may batch writes
 *   of many runs into one transaction).
 * - Times are epoch ms from the caller's Clock (`now`), so tests can run on a fake clock.
 */
export interface Store {
  /** Applies pending migrations. Safe to call from several processes at once. */
  init(): Promise<void>;
  close(): Promise<void>;

  /**
   * Creates a run, or returns the existing one with the same idempotency key. With `claim`,
   * a run it creates is also claimed by that worker in the same transaction (an eager start:
   * one commit less before the first step), exactly as `claimRuns` would claim it; an
   * existing run, or a delayed one (`wakeAt > now`), is returned unclaimed.
   */
  createRun(params: CreateRunParams): Promise<{ run: RunRecord; created: boolean }>;

  /**
   * Hands out up to `limit` due runs to `workerId`, each with a lease until `now + leaseMs`
   * and a new fencing token. Due: parked (`pending`/`sleeping`/`waiting`) with `wakeAt <= now`
   * and no pause requested, or `running` with an expired lease (a crashed worker's run:
   * returned with `recovered: true` and `recoveryCount` incremented). Records each claim's
   * `claimEvent` (run.started / run.resumed / run.recovered) with the claim.
   */
  claimRuns(params: ClaimRunsParams): Promise<ClaimedRun[]>;

  /** Renews the leases of runs this worker holds. Returns those it no longer holds. */
  extendLeases(params: ExtendLeasesParams): Promise<ExtendLeasesResult>;

  /** Gives a held run back (graceful shutdown): parked `pending`, due now, no lease. Fenced. */
  releaseRun(params: FencedParams & { now: number }): Promise<void>;

  getRun(params: { runId: string }): Promise<RunRecord | null>;
  /**
   * Those of `runIds` that have ended (completed, failed or cancelled), as stored, in any
   * order; unknown ids are left out. One read for many runs: how waiters on runs executed
   * elsewhere find their ends. At most MAX_ENDED_RUNS_READ (1000) ids per call.
   */
  listEndedRuns(params: { runIds: readonly string[] }): Promise<RunRecord[]>;
  listRuns(params: ListRunsParams): Promise<{ runs: RunRecord[]; nextCursor: string | null }>;
  /** The run's steps in the order they were first recorded. */
  listSteps(params: { runId: string }): Promise<StepRecord[]>;
  listEvents(params: { runId: string; afterSeq?: number; limit?: number }): Promise<HistoryEvent[]>;

  /**
   * Inserts or replaces the step `step.key` of the run. Fenced. `resetRecovery` sets the
   * run's recovery count back to 0 (progress was made). Returns the run's control flags.
   */
  saveStep(params: SaveStepParams): Promise<RunControl>;

  /**
   * Creates a child run and records the parent's `child` step (status `waiting`) in one
   * transaction. Fenced on the parent. With an idempotency key already used, the existing
   * child is linked instead.
   */
  startChildRun(params: StartChildRunParams): Promise<{ child: RunRecord; control: RunControl }>;

  /**
   * Parks a held run: drops the lease and sets the status and due time. Fenced.
   * - A pause requested meanwhile parks it `paused` instead (the intended status is kept
   *   for resume), and appends a `run.paused` event.
   * - `waitingOn` names child steps the run waits for; if any of them already settled, the
   *   run is parked `pending` and due now, so a wake-up is never lost.
   * - `countRecovery` increments the recovery count (a panic restart).
   */
  parkRun(params: ParkRunParams): Promise<RunRecord>;

  /** Ends a held run `completed`. If it is a child, settles the parent's step and wakes it. Fenced. */
  completeRun(params: EndRunParams & { output: unknown }): Promise<void>;

  /** Ends a held run `failed`; settles and wakes the parent like completeRun. Fenced. */
  failRun(params: EndRunParams & { error: SerializedError }): Promise<void>;

  /** Appends history events. With a fencing token, fenced; without, unconditional. */
  appendEvents(params: {
    runId: string;
    fencingToken?: number;
    events: NewHistoryEvent[];
  }): Promise<void>;

  /**
   * Ends a run and all its unfinished descendants `cancelled`, bumping their fencing tokens so
   * a worker still executing them loses every further write; the steps they leave unfinished
   * end `cancelled` too (see core/cancelled-steps.ts). Settles the parent's step of a
   * cancelled child (as failed, code `CANCELLED`) and wakes the parent. Answers which runs it
   * cancelled. A no-op on a run that already ended (none cancelled). Throws NotFoundError for
   * an unknown id.
   */
  cancelRun(params: { runId: string; now: number; reason?: string }): Promise<CancelRunResult>;

  /**
   * Requests a pause. A parked run becomes `paused` at once; a running one when its worker
   * reaches a step boundary (or parks). No-op on a terminal run. NotFoundError if unknown.
   */
  pauseRun(params: { runId: string; now: number }): Promise<RunRecord>;

  /** Clears a pause: a `paused` run returns to the status it was parked with. */
  resumeRun(params: { runId: string; now: number }): Promise<RunRecord>;

  /**
   * Optional: calls `listener` soon after a commit of any process makes a run due (created,
   * released, woken, parked), with the earliest due time among them (epoch ms; 0: look
   * now). Workers subscribe to claim at once instead of at their next poll. Best effort:
   * a notification may be lost, so workers keep polling. Returns the unsubscribe function.
   * (Postgres: LISTEN/NOTIFY. SQLite does not implement it: one process announces its own
   * work in memory.)
   */
  onWorkDue?(listener: (dueAt: number) => void): () => void;
}

export interface FencedParams {
  runId: string;
  fencingToken: number;
}

export interface EndRunParams extends FencedParams {
  now: number;
  events: NewHistoryEvent[];
  /**
   * The run's parent, when it has one: its end writes the parent's step and wakes it, so a
   * store that commits several batches at once keeps this write in order with the parent's
   * own (PostgreSQL; two batches each holding a parent the other's child ends deadlock).
   */
  parentRunId?: string | null;
}

export interface CancelRunResult {
  /** The run, as it is now (as it was, when it had ended already). */
  run: RunRecord;
  /** The runs this call cancelled (the run and descendants), each with its `run.cancelled` reason. */
  cancelled: CancelledRun[];
}

export interface CancelledRun {
  id: string;
  workflowName: string;
  reason: string;
}

export interface RunControl {
  pauseRequested: boolean;
}

export interface CreateRunParams {
  id: string;
  workflowName: string;
  workflowVersion: string | null;
  input: unknown;
  parentRunId?: string | null;
  parentStepKey?: string | null;
  idempotencyKey?: string | null;
  now: number;
  /** When the run becomes due (a delayed start); defaults to `now`. */
  wakeAt?: number;
  deadlineAt?: number | null;
  /** The definition the run starts with (see RunRecord.definition). Default null. */
  definition?: RunDefinitionSource | null;
  events: NewHistoryEvent[];
  /** Claim the new run at once for this worker (see `Store.createRun`). */
  claim?: { workerId: string; leaseMs: number };
}

export interface ClaimRunsParams {
  workerId: string;
  now: number;
  leaseMs: number;
  limit: number;
  /** Only runs of these workflows (a worker claims only what it can execute). */
  workflows?: readonly string[];
}

export interface ClaimedRun extends RunRecord {
  recovered: boolean;
}

export interface ExtendLeasesParams {
  workerId: string;
  now: number;
  leaseMs: number;
  runs: ReadonlyArray<{ runId: string; fencingToken: number }>;
}

export interface ExtendLeasesResult {
  /** Runs whose lease this worker lost (expired and reclaimed, cancelled, or ended). */
  lost: string[];
  /** Held runs with a pause requested. */
  pauseRequested: string[];
}

export interface ListRunsParams {
  status?: RunStatus | readonly RunStatus[];
  workflow?: string;
  parentRunId?: string;
  /** Newest first; default 50, at most 1000. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string | null;
}

export interface SaveStepParams extends FencedParams {
  step: StepRecord;
  now: number;
  events: NewHistoryEvent[];
  resetRecovery?: boolean;
}

export interface StartChildRunParams extends FencedParams {
  step: StepRecord;
  child: CreateRunParams;
  now: number;
  events: NewHistoryEvent[];
}

export interface ParkRunParams extends FencedParams {
  status: ParkedRunStatus;
  wakeAt: number | null;
  waitingOn?: readonly string[];
  countRecovery?: boolean;
  now: number;
  events: NewHistoryEvent[];
}
