import { StoreError, WaymarkError } from '../../core/errors.ts';
import {
  type ClientQueries,
  type ConnectionPool,
  isConnectionError,
  sqlState,
} from './connection.ts';
import type { Statements } from './statements.ts';
import { BatchTransaction, type Transaction } from './transaction.ts';

/** Most writes put in one transaction: bounds a batch's statement sizes and lock count. */
const MAX_BATCH = 1000;
/** A write that deadlocked alone is tried again this many times before it fails. */
const MAX_RETRIES = 3;
/**
 * Batches in flight at once, each on its own connection: while one waits for its commit (a
 * WAL flush) the next is already being built and sent, so a worker is not held to one
 * round trip at a time.
 */
const MAX_IN_FLIGHT = 3;

export type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * What a write must stay ordered with. Writes with a run id in common commit in queue order
 * (never in two batches in flight at once); `any`: no order with other writes (a claim, whose
 * SKIP LOCKED passes over rows an uncommitted batch holds); `all`: a barrier — it waits until
 * every batch in flight committed, and no batch starts while its own is in flight.
 */
export type WriteOrder = { runs: readonly string[] } | 'any' | 'all';

/**
 * A kind of write that many instances of apply in one statement (a step save, a run
 * creation, a run's end): `apply` gets consecutive writes of the kind, at most one per `key`,
 * and returns one outcome per write. A rejected write (a domain error) must have changed
 * nothing.
 */
export interface BulkWrite<W> {
  name: string;
  /**
   * Its writes change the database in ONE statement and announce nothing (reads may follow):
   * a batch of this kind alone runs as that statement, without BEGIN/COMMIT round trips.
   */
  standalone?: boolean;
  key(write: W): string;
  /** The runs the write must stay ordered with (see WriteOrder). */
  runs(write: W): readonly string[];
  apply(tx: Transaction, sql: Statements, writes: W[]): Promise<Outcome[]>;
}

type PendingWrite = (
  | { bulk: BulkWrite<unknown>; write: unknown }
  | { bulk: null; apply: (tx: Transaction) => Promise<unknown> }
) & {
  order: WriteOrder;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
};

/**
 * Group commit on PostgreSQL: writes queue here and are flushed in batches, each batch in one
 * transaction on one pooled connection, so one commit (one WAL flush) pays for up to
 * MAX_BATCH writes of many runs. Up to MAX_IN_FLIGHT batches are in flight at once; writes
 * about the same run never are (see WriteOrder), so each run's writes apply in queue order.
 * Consecutive writes of one bulk kind (step saves, run creations, run ends: the hot paths) go
 * to the server as one statement, because round trips, not rows, are what a loaded machine
 * pays for.
 *
 * A write's domain error (a stale fencing token, an unknown run) is thrown before it changes
 * anything, so it rejects that write alone and the transaction goes on. Any other error
 * (a constraint, a deadlock) aborts the transaction: the batch is rolled back and its writes
 * are applied again one transaction each, so only the failing write fails. Promises settle
 * only after COMMIT returned.
 */
export class PostgresGroupCommit {
  private queue: PendingWrite[] = [];
  private scheduled = false;
  private inFlight = 0;
  /** Runs with a write in a batch in flight, with how many such batches. */
  private readonly runsInFlight = new Map<string, number>();
  /** A batch holding a barrier (`all`) is in flight: no other batch starts. */
  private barrierInFlight = false;
  private readonly maxInFlight: number;

  constructor(
    private readonly pool: ConnectionPool,
    private readonly sql: Statements,
    /** The NOTIFY channel for due work. */
    private readonly channel: string,
    /** Connections the pool has: batches in flight leave one for reads. */
    poolSize: number,
  ) {
    this.maxInFlight = Math.max(1, Math.min(MAX_IN_FLIGHT, poolSize - 1));
  }

  /** Queues `apply` (run inside a batch transaction); resolves with its result once committed. */
  write<T>(apply: (tx: Transaction) => Promise<T>, order: WriteOrder): Promise<T> {
    return this.enqueue({ bulk: null, apply, order }) as Promise<T>;
  }

  /** Queues a write of a bulk kind; resolves with its outcome's value once committed. */
  bulkWrite<W, T>(bulk: BulkWrite<W>, write: W): Promise<T> {
    const order = { runs: bulk.runs(write) };
    return this.enqueue({ bulk: bulk as BulkWrite<unknown>, write, order }) as Promise<T>;
  }

  /** Resolves once every write queued so far has settled. */
  async drain(): Promise<void> {
    await this.write(async () => undefined, 'all');
  }

  private enqueue(
    write: (
      | { bulk: BulkWrite<unknown>; write: unknown }
      | { bulk: null; apply: (tx: Transaction) => Promise<unknown> }
    ) & { order: WriteOrder },
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.queue.push({ ...write, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // One macrotask first, so writes issued together (one per branch of a Promise.all, one
    // per run finishing in the same tick) share a batch too.
    setImmediate(() => {
      this.scheduled = false;
      this.startBatches();
    });
  }

  private startBatches(): void {
    while (this.inFlight < this.maxInFlight && !this.barrierInFlight && this.queue.length > 0) {
      const batch = this.takeBatch();
      if (batch.writes.length === 0) return;
      void this.flush(batch);
    }
  }

  /**
   * The next batch: queued writes in order, passing over those about a run with a write in
   * flight (and, to keep each run's order, every later write about that run). A barrier joins
   * only when nothing is in flight and nothing before it was passed over; nothing after a
   * barrier it could not take does either.
   */
  private takeBatch(): Batch {
    const writes: PendingWrite[] = [];
    const rest: PendingWrite[] = [];
    const passedOver = new Set<string>();
    let barrier = false;
    let index = 0;
    for (; index < this.queue.length && writes.length < MAX_BATCH; index++) {
      const write = this.queue[index] as PendingWrite;
      if (write.order === 'all') {
        if (this.inFlight > 0 || rest.length > 0) break;
        barrier = true;
        writes.push(write);
      } else if (write.order === 'any') {
        writes.push(write);
      } else if (write.order.runs.some((r) => this.runsInFlight.has(r) || passedOver.has(r))) {
        for (const run of write.order.runs) passedOver.add(run);
        rest.push(write);
      } else {
        writes.push(write);
      }
    }
    this.queue = index === this.queue.length ? rest : rest.concat(this.queue.slice(index));
    const runs = writes.flatMap((w) => (typeof w.order === 'object' ? w.order.runs : []));
    return { writes, runs, barrier };
  }

  private async flush(batch: Batch): Promise<void> {
    this.inFlight++;
    if (batch.barrier) this.barrierInFlight = true;
    for (const run of batch.runs) this.runsInFlight.set(run, (this.runsInFlight.get(run) ?? 0) + 1);
    const outcomes = await this.commitBatch(batch.writes);
    for (const run of batch.runs) {
      const count = (this.runsInFlight.get(run) ?? 1) - 1;
      if (count === 0) this.runsInFlight.delete(run);
      else this.runsInFlight.set(run, count);
    }
    if (batch.barrier) this.barrierInFlight = false;
    this.inFlight--;
    batch.writes.forEach((write, i) => {
      const outcome = outcomes[i] as Outcome;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.error);
    });
    this.startBatches();
  }

  /** Commits the batch, or isolates the write that made it fail. Never throws. */
  private async commitBatch(batch: PendingWrite[]): Promise<Outcome[]> {
    try {
      return await this.pool.withClient(async (client) => {
        try {
          return await this.transaction(client, batch);
        } catch (error) {
          // (A batch of one too: alone() retries it if it only lost a deadlock.)
          if (isConnectionError(error)) throw error;
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
    const [only] = segments;
    if (segments.length === 1 && only?.bulk != null && only.bulk.standalone === true) {
      return only.bulk.apply(new BatchTransaction(client), this.sql, only.writes);
    }
    await client.exec('BEGIN');
    try {
      const tx = new BatchTransaction(client);
      const outcomes: Outcome[] = [];
      for (const segment of segments) {
        if (segment.bulk === null) outcomes.push(await applyOne(tx, segment.apply));
        else outcomes.push(...(await segment.bulk.apply(tx, this.sql, segment.writes)));
      }
      if (tx.earliestDue !== null) {
        await tx.query(this.sql.notify, [this.channel, String(tx.earliestDue)]);
      }
      await client.exec('COMMIT');
      return outcomes;
    } catch (error) {
      await client.exec('ROLLBACK').catch(() => {});
      throw error;
    }
  }
}

interface Batch {
  writes: PendingWrite[];
  /** The runs its writes are ordered by (a run may repeat). */
  runs: string[];
  /** It holds a barrier (`all`) write. */
  barrier: boolean;
}

type Segment =
  | { bulk: BulkWrite<unknown>; writes: unknown[] }
  | { bulk: null; apply: (tx: Transaction) => Promise<unknown> };

/**
 * The writes in order, consecutive writes of one bulk kind merged into one segment — split
 * where a key repeats (one statement cannot, say, update a step twice).
 */
function segmentsOf(writes: PendingWrite[]): Segment[] {
  const segments: Segment[] = [];
  let current: { bulk: BulkWrite<unknown>; writes: unknown[] } | null = null;
  let keys = new Set<string>();
  for (const write of writes) {
    if (write.bulk === null) {
      segments.push({ bulk: null, apply: write.apply });
      current = null;
      continue;
    }
    const key = write.bulk.key(write.write);
    if (current === null || current.bulk !== write.bulk || keys.has(key)) {
      current = { bulk: write.bulk, writes: [] };
      keys = new Set();
      segments.push(current);
    }
    keys.add(key);
    current.writes.push(write.write);
  }
  return segments;
}

async function applyOne(
  tx: Transaction,
  apply: (tx: Transaction) => Promise<unknown>,
): Promise<Outcome> {
  try {
    return { ok: true, value: await apply(tx) };
  } catch (error) {
    // Domain errors are thrown before the write changed anything: the transaction goes on.
    if (isDomainError(error)) return { ok: false, error };
    throw error;
  }
}

/** A rejection of one write (LEASE_LOST, NOT_FOUND …), not a failure of the database. */
function isDomainError(error: unknown): boolean {
  return error instanceof WaymarkError && !(error instanceof StoreError);
}

/** One array per column of `rows` (each row a tuple of `width` values), for unnest(). */
export function columnsOf(rows: ReadonlyArray<readonly unknown[]>, width: number): unknown[][] {
  const columns: unknown[][] = Array.from({ length: width }, () => []);
  for (const row of rows) row.forEach((value, c) => (columns[c] as unknown[]).push(value));
  return columns;
}

function asStoreError(error: unknown): unknown {
  if (error instanceof WaymarkError) return error;
  return new StoreError(`PostgreSQL write failed: ${String(error)}`, { cause: error });
}
