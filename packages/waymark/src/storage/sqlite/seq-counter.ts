import type Database from 'better-sqlite3';

/**
 * Hands out the `seq` of events and steps inside a write transaction, from the `counters`
 * row 'seq'. Both tables are keyed by run first (clustered), so nothing else gives an order
 * across a run's inserts; AUTOINCREMENT would need a rowid table and an index besides.
 *
 * The row is read at the first `take()` of a transaction (under BEGIN IMMEDIATE, so after
 * every other process's commit) and written once, just before COMMIT: one page per batch,
 * not per event. A value taken by a write whose savepoint rolled back is skipped, never
 * handed out again, so seq increases across the database and is never reused, as
 * AUTOINCREMENT's did.
 */
export class SeqCounter {
  private next = 0;
  private taken = false;
  private readonly read: Database.Statement;
  private readonly save: Database.Statement;

  constructor(db: Database.Database) {
    this.read = db.prepare(`SELECT value FROM counters WHERE name = 'seq'`).pluck();
    this.save = db.prepare(`UPDATE counters SET value = ? WHERE name = 'seq'`);
  }

  /** The next seq. Only inside a write transaction. */
  take(): number {
    if (!this.taken) {
      this.next = (this.read.get() as number) + 1;
      this.taken = true;
    }
    return this.next++;
  }

  /** Before COMMIT: records the last seq taken, if any was. */
  beforeCommit(): void {
    if (this.taken) this.save.run(this.next - 1);
  }

  /** After COMMIT or ROLLBACK: the next transaction reads the row again. */
  endTransaction(): void {
    this.taken = false;
  }
}
