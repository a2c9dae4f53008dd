import { toJsonText } from '../../core/json-text.ts';
import type Database from 'better-sqlite3';
import { StoreError, ValidationError } from '../../core/errors.ts';
import type { HistoryEvent, NewHistoryEvent } from '../../core/history.ts';
import type { RunRecord } from '../../core/run.ts';
import type { SerializedError } from '../../core/serialize-error.ts';
import type { StepRecord } from '../../core/step.ts';
import type {
  CancelRunResult,
  EndRunParams,
  ClaimedRun,
  ClaimRunsParams,
  CreateRunParams,
  ExtendLeasesParams,
  ExtendLeasesResult,
  FencedParams,
  ListRunsParams,
  ParkRunParams,
  RunControl,
  SaveStepParams,
  StartChildRunParams,
  Store,
} from '../../core/store.ts';
import { checkEndedRunsRead } from '../../core/list-limit.ts';
import { claimRuns } from './claim-runs.ts';
import { encodeRun, insertClaimedRun, insertRun, startChildRun } from './create-runs.ts';
import { cancelTree, finishRun } from './end-runs.ts';
import { checkFence, type FenceRow, isFencedBy } from './fencing.ts';
import { GroupCommit } from './group-commit.ts';
import { RunLister } from './list-runs.ts';
import { applyMigrations, loadMigrations } from './migrations.ts';
import { openDatabase, openError, type ResolvedSqliteOptions } from './open-database.ts';
import { parkRun } from './park-run.ts';
import { pauseRun, resumeRun } from './pause-resume.ts';
import {
  eventParams,
  stepRowOf,
  historyEventOf,
  runRecordOf,
  stepRecordOf,
  type EventRow,
  type RunRow,
  type StepRow,
} from './row-mapping.ts';
import { prepareStatements, type Statements } from './statements.ts';

interface Ready {
  sql: Statements;
  writer: GroupCommit;
  lister: RunLister;
}

/**
 * The Store on one better-sqlite3 connection. Writes go through the group-commit queue;
 * reads run directly on the connection, outside any transaction, and so see every write of
 * this process that has resolved (WAL readers also see other processes' commits).
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private ready: Ready | null = null;
  private closed = false;

  constructor(readonly options: ResolvedSqliteOptions) {
    this.db = openDatabase(options);
  }

  get path(): string {
    return this.options.path;
  }

  init(): Promise<void> {
    if (this.ready !== null) return Promise.resolve();
    try {
      applyMigrations(this.db, this.path, loadMigrations());
      this.ready = {
        sql: prepareStatements(this.db),
        writer: new GroupCommit(this.db, this.path),
        lister: new RunLister(this.db),
      };
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(openError(this.path, error));
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Writes are flushed in order, so once this empty one committed, every earlier one has.
    if (this.ready !== null) await this.ready.writer.write(() => undefined);
    this.db.close();
  }

  createRun(params: CreateRunParams): Promise<{ run: RunRecord; created: boolean }> {
    const run = encodeRun(params);
    // A delayed start is not due yet: it is claimed when it is, like any other run.
    const claim = (params.wakeAt ?? params.now) <= params.now ? params.claim : undefined;
    return this.write((sql) => {
      if (claim !== undefined) return insertClaimedRun(sql, run, claim);
      const { row, created } = insertRun(sql, run);
      return { run: runRecordOf(row), created };
    });
  }

  claimRuns(params: ClaimRunsParams): Promise<ClaimedRun[]> {
    return this.write((sql) => claimRuns(sql, params));
  }

  extendLeases(params: ExtendLeasesParams): Promise<ExtendLeasesResult> {
    if (params.runs.length === 0) return Promise.resolve({ lost: [], pauseRequested: [] });
    const expires = params.now + params.leaseMs;
    return this.write((sql) => {
      const result: ExtendLeasesResult = { lost: [], pauseRequested: [] };
      for (const { runId, fencingToken } of params.runs) {
        const row = sql.fence.get(runId) as FenceRow | undefined;
        if (
          row === undefined ||
          !isFencedBy(row, fencingToken) ||
          row.lease_owner !== params.workerId
        ) {
          result.lost.push(runId);
          continue;
        }
        sql.extendLease.run({ id: runId, expires });
        if (row.pause_requested === 1) result.pauseRequested.push(runId);
      }
      return result;
    });
  }

  releaseRun(params: FencedParams & { now: number }): Promise<void> {
    return this.write((sql) => {
      checkFence(sql, params.runId, params.fencingToken);
      sql.release.run({ id: params.runId, now: params.now });
    });
  }

  async getRun(params: { runId: string }): Promise<RunRecord | null> {
    const row = this.statements().getRun.get(params.runId) as RunRow | undefined;
    return row === undefined ? null : runRecordOf(row);
  }

  async listEndedRuns(params: { runIds: readonly string[] }): Promise<RunRecord[]> {
    checkEndedRunsRead(params.runIds);
    if (params.runIds.length === 0) return [];
    const rows = this.statements().endedRuns.all(JSON.stringify(params.runIds));
    return rows.map((row) => runRecordOf(row));
  }

  async listRuns(
    params: ListRunsParams,
  ): Promise<{ runs: RunRecord[]; nextCursor: string | null }> {
    return this.state().lister.list(params);
  }

  async listSteps(params: { runId: string }): Promise<StepRecord[]> {
    return (this.statements().listSteps.all(params.runId) as StepRow[]).map(stepRecordOf);
  }

  async listEvents(params: {
    runId: string;
    afterSeq?: number;
    limit?: number;
  }): Promise<HistoryEvent[]> {
    const rows = this.statements().listEvents.all({
      run_id: params.runId,
      after: params.afterSeq ?? 0,
      limit: params.limit ?? -1,
    }) as EventRow[];
    return rows.map(historyEventOf);
  }

  saveStep(params: SaveStepParams): Promise<RunControl> {
    const step = stepRowOf(params.runId, checkStepRun(params.runId, params.step));
    const events = this.encodeEvents(params.runId, params.events);
    return this.write((sql) => {
      const fence = checkFence(sql, params.runId, params.fencingToken);
      sql.upsertStep.run(step);
      for (const event of events) sql.insertEvent.run(event);
      // Most steps find nothing to reset: skip the UPDATE (the hot path is one write per step).
      if (params.resetRecovery === true && fence.recovery_count !== 0)
        sql.resetRecovery.run({ id: params.runId, now: params.now });
      return { pauseRequested: fence.pause_requested === 1 };
    });
  }

  startChildRun(params: StartChildRunParams): Promise<{ child: RunRecord; control: RunControl }> {
    const step = stepRowOf(params.runId, checkStepRun(params.runId, params.step));
    const child = encodeRun(params.child, { runId: params.runId, stepKey: params.step.key });
    const events = this.encodeEvents(params.runId, params.events);
    return this.write((sql) => {
      const { row, control } = startChildRun(sql, { ...params, step, child, events });
      return { child: runRecordOf(row), control };
    });
  }

  parkRun(params: ParkRunParams): Promise<RunRecord> {
    const events = this.encodeEvents(params.runId, params.events);
    return this.write((sql) => parkRun(sql, params, events));
  }

  completeRun(params: EndRunParams & { output: unknown }): Promise<void> {
    const output = toJsonText(params.output);
    const events = this.encodeEvents(params.runId, params.events);
    return this.write((sql) =>
      finishRun(sql, { ...params, events, result: { status: 'completed', output } }),
    );
  }

  failRun(params: EndRunParams & { error: SerializedError }): Promise<void> {
    const events = this.encodeEvents(params.runId, params.events);
    return this.write((sql) =>
      finishRun(sql, { ...params, events, result: { status: 'failed', error: params.error } }),
    );
  }

  appendEvents(params: {
    runId: string;
    fencingToken?: number;
    events: NewHistoryEvent[];
  }): Promise<void> {
    const events = this.encodeEvents(params.runId, params.events);
    return this.write((sql) => {
      if (params.fencingToken !== undefined) {
        checkFence(sql, params.runId, params.fencingToken);
      } else if (sql.fence.get(params.runId) === undefined) {
        throw new StoreError(`cannot append events: run ${params.runId} does not exist`);
      }
      for (const event of events) sql.insertEvent.run(event);
    });
  }

  cancelRun(params: { runId: string; now: number; reason?: string }): Promise<CancelRunResult> {
    return this.write((sql) => cancelTree(sql, params));
  }

  pauseRun(params: { runId: string; now: number }): Promise<RunRecord> {
    return this.write((sql) => pauseRun(sql, params));
  }

  resumeRun(params: { runId: string; now: number }): Promise<RunRecord> {
    return this.write((sql) => resumeRun(sql, params));
  }

  private encodeEvents(runId: string, events: readonly NewHistoryEvent[]) {
    return events.map((event) => eventParams(runId, event));
  }

  /**
   * Queues a write for the group commit. Every write of this store throws its domain errors
   * (a stale fencing token, an unknown run) before it changes anything — the fence or the
   * run's existence is checked first — so one that fails fails alone, without replaying its
   * batch (GroupCommit `checksFirst`). A new write must keep to that.
   */
  private write<T>(apply: (sql: Statements) => T): Promise<T> {
    if (this.closed) return Promise.reject(closedError(this.path));
    const { sql, writer } = this.state();
    return writer.write(() => apply(sql), { checksFirst: true });
  }

  private statements(): Statements {
    return this.state().sql;
  }

  private state(): Ready {
    if (this.closed) throw closedError(this.path);
    if (this.ready === null) throw new StoreError(`SQLite store ${this.path}: call init() first`);
    return this.ready;
  }
}

function closedError(path: string): StoreError {
  return new StoreError(`SQLite store ${path} is closed`);
}

function checkStepRun(runId: string, step: StepRecord): StepRecord {
  if (step.runId !== runId) {
    throw new ValidationError(`step ${step.key} belongs to run ${step.runId}, not ${runId}`);
  }
  return step;
}
