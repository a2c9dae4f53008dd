import { StoreError, ValidationError } from '../../core/errors.ts';
import type { HistoryEvent, NewHistoryEvent } from '../../core/history.ts';
import { toJsonText } from '../../core/json-text.ts';
import { checkEndedRunsRead } from '../../core/list-limit.ts';
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
import { claimRuns } from './claim-runs.ts';
import { ConnectionPool, type Queryable } from './connection.ts';
import {
  type CreatedRun,
  createRunsBulk,
  encodeRun,
  type RunWrite,
  startChildRun,
} from './create-runs.ts';
import { cancelTree, endRunsBulk, type EndWrite } from './end-runs.ts';
import { insertEvents, runEvents } from './events.ts';
import {
  findExistingRuns,
  type ImportCounts,
  importRuns,
  type RunToImport,
} from './import-runs.ts';
import { checkFence } from './fencing.ts';
import { type BulkWrite, PostgresGroupCommit, type WriteOrder } from './group-commit.ts';
import { saveStepsBulk, type StepWrite } from './save-steps.ts';
import { listRuns } from './list-runs.ts';
import { applyMigrations, loadMigrations } from './migrations.ts';
import { redactUrl, type ResolvedPostgresOptions } from './options.ts';
import { parkRun } from './park-run.ts';
import { pauseRun, resumeRun } from './pause-resume.ts';
import {
  eventValues,
  historyEventOf,
  runRecordOf,
  stepRecordOf,
  stepValues,
  type EventRow,
  type RunRow,
  type StepRow,
} from './rows.ts';
import { buildStatements, type Statements } from './statements.ts';
import type { Transaction } from './transaction.ts';
import { WorkNotifications } from './work-notifications.ts';

/**
 * The Store on PostgreSQL: a bounded pool for reads, one group-commit queue for writes, and
 * a LISTEN connection that wakes idle workers when work becomes due. Every process sharing
 * the database (and schema) coordinates through row locks only: claims skip locked rows,
 * fenced writes lock the run's row before checking its token.
 */
export class PostgresStore implements Store {
  readonly sql: Statements;
  private readonly pool: ConnectionPool;
  private readonly writer: PostgresGroupCommit;
  private readonly notifications: WorkNotifications | null;
  private ready = false;
  private closed = false;

  constructor(readonly options: ResolvedPostgresOptions) {
    this.sql = buildStatements(options.leaseClock);
    this.pool = new ConnectionPool(options);
    const channel = `${options.schema}_work`;
    this.notifications = options.notifications ? new WorkNotifications(options, channel) : null;
    // Commits always announce due work: other processes may listen even if this one does not.
    this.writer = new PostgresGroupCommit(this.pool, this.sql, channel, this.options.poolSize);
  }

  /** Where the store lives, for messages: the URL without its password, and the schema. */
  get description(): string {
    return `${redactUrl(this.options.url)} (schema ${this.options.schema})`;
  }

  async init(): Promise<void> {
    if (this.ready) return;
    this.checkOpen();
    await this.pool.withClient((client) => applyMigrations(client, this.options, loadMigrations()));
    this.ready = true;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Writes are flushed in order, so once this empty one settled, every earlier one has.
    if (this.ready) await this.writer.drain();
    this.closed = true;
    await this.notifications?.close();
    await this.pool.end();
  }

  /**
   * Calls `listener` with the earliest due time whenever a commit (of any process) makes a
   * run due; see Store.onWorkDue. Without notifications, never.
   */
  onWorkDue(listener: (dueAt: number) => void): () => void {
    return this.notifications?.subscribe(listener) ?? (() => {});
  }

  createRun(params: CreateRunParams): Promise<{ run: RunRecord; created: boolean }> {
    // A delayed start is not due yet: it is claimed when it is, like any other run.
    const claim = (params.wakeAt ?? params.now) <= params.now ? params.claim : undefined;
    const write = encodeRun(params, undefined, claim);
    return this.bulk<RunWrite, CreatedRun>(createRunsBulk, write).then(({ run, created }) => ({
      run,
      created,
    }));
  }

  claimRuns(params: ClaimRunsParams): Promise<ClaimedRun[]> {
    // Claims run at the workers' poll interval: the moment to restore a lost LISTEN.
    this.notifications?.ensureListening();
    // SKIP LOCKED passes over rows a batch in flight holds: no order needed.
    return this.write((tx) => claimRuns(tx, this.sql, params), 'any');
  }

  extendLeases(params: ExtendLeasesParams): Promise<ExtendLeasesResult> {
    if (params.runs.length === 0) return Promise.resolve({ lost: [], pauseRequested: [] });
    const values: unknown[] = [
      params.workerId,
      params.leaseMs,
      params.runs.map((r) => r.runId),
      params.runs.map((r) => r.fencingToken),
    ];
    if (this.options.leaseClock === 'caller') values.push(params.now);
    return this.write(async (tx) => {
      const rows = await tx.query<{ id: string; pause_requested: boolean }>(
        this.sql.extendLeases,
        values,
      );
      const held = new Map(rows.map((row) => [row.id, row.pause_requested]));
      const result: ExtendLeasesResult = { lost: [], pauseRequested: [] };
      for (const { runId } of params.runs) {
        const pauseRequested = held.get(runId);
        if (pauseRequested === undefined) result.lost.push(runId);
        else if (pauseRequested) result.pauseRequested.push(runId);
      }
      return result;
      // It locks every held run: alone, so it never waits on a batch that waits on it.
    }, 'all');
  }

  releaseRun(params: FencedParams & { now: number }): Promise<void> {
    return this.write(
      async (tx) => {
        await checkFence(tx, this.sql, params.runId, params.fencingToken);
        const [row] = await tx.query<{ status: string }>(this.sql.release, [
          params.runId,
          params.now,
        ]);
        if (row?.status === 'pending') tx.notifyDue(params.now);
      },
      { runs: [params.runId] },
    );
  }

  async getRun(params: { runId: string }): Promise<RunRecord | null> {
    const [row] = await this.reader().query<RunRow>(this.sql.getRun, [params.runId]);
    return row === undefined ? null : runRecordOf(row);
  }

  async listEndedRuns(params: { runIds: readonly string[] }): Promise<RunRecord[]> {
    checkEndedRunsRead(params.runIds);
    if (params.runIds.length === 0) return [];
    const rows = await this.reader().query<RunRow>(this.sql.endedRuns, [params.runIds]);
    return rows.map((row) => runRecordOf(row));
  }

  async listRuns(
    params: ListRunsParams,
  ): Promise<{ runs: RunRecord[]; nextCursor: string | null }> {
    return listRuns(this.reader(), params);
  }

  async listSteps(params: { runId: string }): Promise<StepRecord[]> {
    const rows = await this.reader().query<StepRow>(this.sql.listSteps, [params.runId]);
    return rows.map(stepRecordOf);
  }

  async listEvents(params: {
    runId: string;
    afterSeq?: number;
    limit?: number;
  }): Promise<HistoryEvent[]> {
    const rows = await this.reader().query<EventRow>(this.sql.listEvents, [
      params.runId,
      params.afterSeq ?? 0,
      params.limit ?? null,
    ]);
    return rows.map(historyEventOf);
  }

  saveStep(params: SaveStepParams): Promise<RunControl> {
    const step = checkStepRun(params.runId, params.step);
    return this.bulk<StepWrite, RunControl>(saveStepsBulk, {
      runId: params.runId,
      fencingToken: params.fencingToken,
      resetRecovery: params.resetRecovery === true,
      now: params.now,
      step: stepValues(step),
      events: params.events.map(eventValues),
    });
  }

  startChildRun(params: StartChildRunParams): Promise<{ child: RunRecord; control: RunControl }> {
    const step = checkStepRun(params.runId, params.step);
    const child = encodeRun(params.child, { runId: params.runId, stepKey: params.step.key });
    const events = runEvents(params.runId, params.events);
    return this.write(
      async (tx) => {
        const { row, control } = await startChildRun(tx, this.sql, {
          ...params,
          step,
          child,
          events,
        });
        return { child: runRecordOf(row), control };
      },
      { runs: [params.runId, params.child.id] },
    );
  }

  parkRun(params: ParkRunParams): Promise<RunRecord> {
    const events = runEvents(params.runId, params.events);
    return this.write((tx) => parkRun(tx, this.sql, params, events), { runs: [params.runId] });
  }

  completeRun(params: EndRunParams & { output: unknown }): Promise<void> {
    const result = { status: 'completed' as const, output: toJsonText(params.output) };
    return this.endRun(params, result);
  }

  failRun(params: EndRunParams & { error: SerializedError }): Promise<void> {
    return this.endRun(params, { status: 'failed', error: params.error });
  }

  appendEvents(params: {
    runId: string;
    fencingToken?: number;
    events: NewHistoryEvent[];
  }): Promise<void> {
    const events = runEvents(params.runId, params.events);
    return this.write(
      async (tx) => {
        if (params.fencingToken !== undefined) {
          await checkFence(tx, this.sql, params.runId, params.fencingToken);
        } else if ((await tx.query(this.sql.getRun, [params.runId])).length === 0) {
          throw new StoreError(`cannot append events: run ${params.runId} does not exist`);
        }
        await insertEvents(tx, this.sql, events);
      },
      { runs: [params.runId] },
    );
  }

  cancelRun(params: { runId: string; now: number; reason?: string }): Promise<CancelRunResult> {
    return this.write((tx) => cancelTree(tx, this.sql, params), 'all');
  }

  pauseRun(params: { runId: string; now: number }): Promise<RunRecord> {
    return this.write((tx) => pauseRun(tx, this.sql, params), 'all');
  }

  resumeRun(params: { runId: string; now: number }): Promise<RunRecord> {
    return this.write((tx) => resumeRun(tx, this.sql, params), 'all');
  }

  /** Runs already here with one of these ids or idempotency keys (`waymark migrate`). */
  findExistingRuns(
    ids: readonly string[],
    idempotencyKeys: readonly string[],
  ): Promise<Array<{ id: string; idempotencyKey: string | null }>> {
    return findExistingRuns(this.reader(), ids, idempotencyKeys);
  }

  /**
   * Copies runs from another store as they are, in one transaction (see import-runs.ts):
   * `waymark migrate`. Not part of the Store port.
   */
  async importRuns(source: AsyncIterable<RunToImport>): Promise<ImportCounts> {
    this.reader();
    // After the queue: a write queued before the import commits before it.
    await this.writer.drain();
    return this.pool.withClient((client) => importRuns(client, source));
  }

  private endRun(params: EndRunParams, result: EndWrite['result']): Promise<void> {
    return this.bulk<EndWrite, undefined>(endRunsBulk, {
      runId: params.runId,
      parentRunId: params.parentRunId ?? null,
      fencingToken: params.fencingToken,
      now: params.now,
      events: params.events.map(eventValues),
      result,
    });
  }

  private bulk<W, T>(kind: BulkWrite<W>, write: W): Promise<T> {
    if (this.closed) return Promise.reject(this.closedError());
    if (!this.ready) return Promise.reject(this.notReadyError());
    return this.writer.bulkWrite<W, T>(kind, write);
  }

  /** Runs `apply` in a batch transaction of the group-commit queue (see WriteOrder). */
  write<T>(apply: (tx: Transaction) => Promise<T>, order: WriteOrder): Promise<T> {
    if (this.closed) return Promise.reject(this.closedError());
    if (!this.ready) return Promise.reject(this.notReadyError());
    return this.writer.write(apply, order);
  }

  private reader(): Queryable {
    if (this.closed) throw this.closedError();
    if (!this.ready) throw this.notReadyError();
    return this.pool;
  }

  private checkOpen(): void {
    if (this.closed) throw this.closedError();
  }

  private closedError(): StoreError {
    return new StoreError(`PostgreSQL store ${this.description} is closed`);
  }

  private notReadyError(): StoreError {
    return new StoreError(`PostgreSQL store ${this.description}: call init() first`);
  }
}

function checkStepRun(runId: string, step: StepRecord): StepRecord {
  if (step.runId !== runId) {
    throw new ValidationError(`step ${step.key} belongs to run ${step.runId}, not ${runId}`);
  }
  return step;
}
