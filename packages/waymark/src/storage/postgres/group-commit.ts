import { StoreError, WaymarkError } from '../../core/errors.ts';
import type { RunControl } from '../../core/store.ts';
import {
  type ClientQueries,
  type ConnectionPool,
  isConnectionError,
  sqlState,
} from './connection.ts';
import { leaseLostError, type FenceRow } from './fencing.ts';
import type { EventValues, StepValues } from './rows.ts';
import type { Statements } from './statements.ts';
import { BatchTransaction, type Transaction } from './transaction.ts';

/** Most writes put in one transaction: bounds a batch's statement sizes and lock count. */
const MAX_BATCH = 1000;
/** A write that deadlocked alone is tried again this many times before it fails. */
const MAX_RETRIES = 3;

/** A saveStep, encoded before it is queued. */
export interface StepWrite {
  runId: string;
  fencingToken: number;
  resetRecovery: boolean;
  now: number;
  step: StepValues;
  events: EventValues[];
}

type PendingWrite = (
  | { kind: 'step'; step: StepWrite }
  | { kind: 'apply'; apply: (tx: Transaction) => Promise<unknown> }
) & { resolve: (value: unknown) => void; reject: (error: unknown) => void };

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * Group commit on PostgreSQL: writes queue here and are flushed one batch at a time, each
 * batch in one transaction on one pooled connection, so one commit (one WAL flush) pays for
 * up to MAX_BATCH writes of many runs. Writes apply in queue order; runs of consecutive step
 * writes go to the server as one statement (`saveSteps`), which makes the hot path one
 * round trip per batch rather than several per step.
 *
 * A write's domain error (a stale fencing token, an unknown run) is thrown before it changes
 * anything, so it rejects that write alone and the transaction goes on. Any other error
 * (a constraint, a deadlock) aborts the transaction: the batch is rolled back and its writes
 * are applied again one transaction each, so only the failing write fails. Promises settle
 * only after COMMIT returned.
 */
export class PostgresGroupCommit {
  private queue: PendingWrite[] = [];
  private flushing = false;

  constructor(
    private readonly pool: ConnectionPool,
    private readonly sql: Statements,
    /** The NOTIFY channel for due work, or null without notifications. */
    private readonly channel: string | null,
  ) {}

  /** Queues `apply` (run inside the batch transaction); resolves with its result once committed. */
  write<T>(apply: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.enqueue({ kind: 'apply', apply }) as Promise<T>;
  }

  saveStep(step: StepWrite): Promise<RunControl> {
    return this.enqueue({ kind: 'step', step }) as Promise<RunControl>;
  }

  /** Resolves once every write queued so far has settled. */
  async drain(): Promise<void> {
    await this.write(async () => undefined);
  }

  private enqueue(
    write: { kind: 'step'; step: StepWrite } | { kind: 'apply'; apply: PendingApply },
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...write, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.flushing) return;
    this.flushing = true;
    // One macrotask first, so writes issued together (one per branch of a Promise.all, one
    // per run finishing in the same tick) share the first batch too.
    setImmediate(() => void this.flushAll());
  }

  private async flushAll(): Promise<void> {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      const outcomes = await this.commitBatch(batch);
      batch.forEach((write, i) => {
        const outcome = outcomes[i] as Outcome;
        if (outcome.ok) write.resolve(outcome.value);
        else write.reject(outcome.error);
      });
    }
    this.flushing = false;
  }

  /** Commits the batch, or isolates the write that made it fail. Never throws. */
  private async commitBatch(batch: PendingWrite[]): Promise<Outcome[]> {
    try {
      return await this.pool.withClient(async (client) => {
        try {
          return await this.transaction(client, batch);
        } catch (error) {
          if (isConnectionError(error) || batch.length === 1) throw error;
          // Something in the batch broke the transaction: one transaction per write now.
          const outcomes: Outcome[] = [];
          for (const write of batch) outcomes.push(await this.alone(client, write));
          return outcomes;
        }
      });
    } catch (error) {
      // A failed connection or commit: every write of the batch may be lost.
      return batch.map(() => ({ ok: false, error: asStoreError(error) }));
    }
  }

  /** One write in its own transaction, tried again when it only deadlocked. */
  private async alone(client: ClientQueries, write: PendingWrite): Promise<Outcome> {
    for (let attempt = 1; ; attempt++) {
      try {
        const [outcome] = await this.transaction(client, [write]);
        return outcome as Outcome;
      } catch (error) {
        if (isConnectionError(error)) throw error;
        const state = sqlState(error);
        const transient = state === '40P01' || state === '40001';
        if (!transient || attempt > MAX_RETRIES) return { ok: false, error: asStoreError(error) };
      }
    }
  }

  /** Applies the writes in one transaction and commits. Throws if the transaction failed. */
  private async transaction(client: ClientQueries, writes: PendingWrite[]): Promise<Outcome[]> {
    const segments = segmentsOf(writes);
    // A batch of step writes only is one statement (they notify nothing): no BEGIN/COMMIT.
    const useBlock = !(segments.length === 1 && segments[0]?.kind === 'steps');
    if (useBlock) await client.exec('BEGIN');
    try {
      const tx = new BatchTransaction(client);
      const outcomes: Outcome[] = [];
      for (const segment of segments) {
        if (segment.kind === 'steps') outcomes.push(...(await this.saveSteps(tx, segment.steps)));
        else outcomes.push(await applyOne(tx, segment.apply));
      }
      if (this.channel !== null && tx.earliestDue !== null) {
        await tx.query(this.sql.notify, [this.channel, String(tx.earliestDue)]);
      }
      if (useBlock) await client.exec('COMMIT');
      return outcomes;
    } catch (error) {
      if (useBlock) await client.exec('ROLLBACK').catch(() => {});
      throw error;
    }
  }

  /** Many step writes in one statement; a write the statement did not apply lost its lease. */
  private async saveSteps(tx: Transaction, steps: StepWrite[]): Promise<Outcome[]> {
    const rows = await tx.query<{ i: number; pause_requested: boolean }>(
      this.sql.saveSteps,
      saveStepsValues(steps),
    );
    const applied = new Map(rows.map((row) => [row.i, row.pause_requested]));
    const outcomes: Outcome[] = [];
    for (const [i, step] of steps.entries()) {
      const pauseRequested = applied.get(i);
      if (pauseRequested !== undefined) {
        outcomes.push({ ok: true, value: { pauseRequested } satisfies RunControl });
        continue;
      }
      const [row] = await tx.query<FenceRow>(this.sql.fence, [step.runId]);
      outcomes.push({ ok: false, error: leaseLostError(step.runId, step.fencingToken, row) });
    }
    return outcomes;
  }
}

type PendingApply = (tx: Transaction) => Promise<unknown>;

type Segment = { kind: 'steps'; steps: StepWrite[] } | { kind: 'apply'; apply: PendingApply };

/**
 * The writes in order, consecutive step writes merged into one segment — split where a
 * (run, key) repeats, since one INSERT … ON CONFLICT cannot update a row twice.
 */
function segmentsOf(writes: PendingWrite[]): Segment[] {
  const segments: Segment[] = [];
  let steps: StepWrite[] | null = null;
  let keys = new Set<string>();
  for (const write of writes) {
    if (write.kind === 'apply') {
      segments.push({ kind: 'apply', apply: write.apply });
      steps = null;
      continue;
    }
    const key = `${write.step.runId}\u0000${write.step.step[0]}`;
    if (steps === null || keys.has(key)) {
      steps = [];
      keys = new Set();
      segments.push({ kind: 'steps', steps });
    }
    keys.add(key);
    steps.push(write.step);
  }
  return segments;
}

async function applyOne(tx: Transaction, apply: PendingApply): Promise<Outcome> {
  try {
    return { ok: true, value: await apply(tx) };
  } catch (error) {
    // Domain errors are thrown before the write changed anything: the transaction goes on.
    if (error instanceof WaymarkError && !(error instanceof StoreError))
      return { ok: false, error };
    throw error;
  }
}

/** The saveSteps statement's parameters: one array per column (see SAVE_STEPS). */
function saveStepsValues(steps: StepWrite[]): unknown[][] {
  const columns: unknown[][] = Array.from({ length: 23 }, () => []);
  steps.forEach((write, i) => {
    const head = [i, write.runId, write.fencingToken, write.resetRecovery, write.now];
    [...head, ...write.step].forEach((value, c) => (columns[c] as unknown[]).push(value));
    for (const event of write.events) {
      [i, ...event].forEach((value, c) => (columns[16 + c] as unknown[]).push(value));
    }
  });
  return columns;
}

function asStoreError(error: unknown): unknown {
  if (error instanceof WaymarkError) return error;
  return new StoreError(`PostgreSQL write failed: ${String(error)}`, { cause: error });
}
