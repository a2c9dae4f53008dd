import type Database from 'better-sqlite3';
import { type StoreError, WaymarkError } from '../../core/errors.ts';
import { sqliteError } from './open-database.ts';

/** Most writes put in one transaction: bounds how long one flush holds the event loop. */
const MAX_BATCH = 1000;

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

interface PendingWrite {
  apply: () => unknown;
  /** Throws domain errors only before it changes anything: needs no savepoint of its own. */
  checksFirst: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: every write of the store is a synchronous closure queued here. The queue is
 * flushed on the next `setImmediate`, running all writes queued by then inside one
 * `BEGIN IMMEDIATE … COMMIT`, so one fsync pays for up to MAX_BATCH writes. Each closure runs
 * in its own SAVEPOINT: one that throws (a stale fencing token, say) rolls back only its own
 * changes and rejects only its own promise. Promises settle only after COMMIT returned, so a
 * resolved write is durable (with `synchronous=FULL`).
 *
 * The whole flush is synchronous, so no other code of this process, reads included, ever
 * observes a half-applied batch.
 */
export class GroupCommit {
  private queue: PendingWrite[] = [];
  private scheduled = false;
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly savepoint: Database.Statement;
  private readonly release: Database.Statement;
  private readonly rollbackTo: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
  ) {
    this.begin = db.prepare('BEGIN IMMEDIATE');
    this.commit = db.prepare('COMMIT');
    this.savepoint = db.prepare('SAVEPOINT write');
    this.release = db.prepare('RELEASE write');
    this.rollbackTo = db.prepare('ROLLBACK TO write');
  }

  /** Queues `apply` for the next batch; resolves with its result once committed. */
  write<T>(apply: () => T, options: { checksFirst?: boolean } = {}): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({
        apply,
        checksFirst: options.checksFirst === true,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const batch = this.queue.splice(0, MAX_BATCH);
      if (this.queue.length > 0) this.schedule();
      this.flush(batch);
    });
  }

  private flush(batch: PendingWrite[]): void {
    let outcomes: Outcome[];
    try {
      this.begin.run();
    } catch (error) {
      // Typically SQLITE_BUSY after the busy timeout: another process holds the write lock.
      return this.failAll(batch, this.storeError('could not start a write transaction', error));
    }
    try {
      outcomes = batch.map((write) => this.applyOne(write));
      this.commit.run();
    } catch (error) {
      // SQLite aborted the transaction (disk full, I/O error) or COMMIT failed: every write
      // of the batch is lost, not only one.
      this.rollbackQuietly();
      return this.failAll(batch, this.storeError('write transaction failed', error));
    }
    batch.forEach((write, i) => {
      const outcome = outcomes[i] as Outcome;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.error);
    });
  }

  /** Runs one closure in its savepoint. Throws only when the whole transaction is lost. */
  private applyOne(write: PendingWrite): Outcome {
    if (write.checksFirst) {
      // Hot path (step writes): a domain error (a stale fencing token) is thrown before any
      // change, so there is nothing to roll back; any other error aborts the whole batch.
      try {
        return { ok: true, value: write.apply() };
      } catch (error) {
        if (error instanceof WaymarkError && this.db.inTransaction) return { ok: false, error };
        throw error;
      }
    }
    this.savepoint.run();
    let outcome: Outcome;
    try {
      outcome = { ok: true, value: write.apply() };
    } catch (error) {
      if (!this.db.inTransaction) throw error;
      this.rollbackTo.run();
      outcome = { ok: false, error: this.wrap(error) };
    }
    this.release.run();
    return outcome;
  }

  private rollbackQuietly(): void {
    try {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
    } catch {
      // The connection is unusable; the next BEGIN reports it to the next batch.
    }
  }

  private failAll(batch: PendingWrite[], error: StoreError): void {
    for (const write of batch) write.reject(error);
  }

  /** Domain errors (LeaseLostError, NotFoundError) pass through; SQLite's become StoreErrors. */
  private wrap(error: unknown): unknown {
    return error instanceof WaymarkError ? error : this.storeError('write failed', error);
  }

  private storeError(what: string, error: unknown): StoreError {
    return sqliteError(`SQLite ${what} on ${this.path}`, this.path, error);
  }
}
