import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface SqliteCeiling {
  /** Durable single-row commits per second: the most one-commit-per-step could reach. */
  commitsPerSec: number;
  msPerCommit: number;
  /** Rows per second when each commit carries BATCH_ROWS rows (what group commit aims for). */
  batchedRowsPerSec: number;
  batchRows: number;
}

const BATCH_ROWS = 500;

/**
 * The raw disk ceiling under the engine, with the store's pragmas (WAL, synchronous=FULL) on
 * a file database: a loop of one-row `BEGIN IMMEDIATE; INSERT; COMMIT` transactions for about
 * `durationMs`, then the same with BATCH_ROWS rows per transaction. The bench's only direct
 * use of better-sqlite3.
 */
export function measureSqliteCeiling(durationMs = 1000): SqliteCeiling {
  return withScratchTable((transaction) => {
    const single = loopFor(durationMs * 0.7, () => transaction(1));
    const batched = loopFor(durationMs * 0.3, () => transaction(BATCH_ROWS));
    return {
      commitsPerSec: single.perSec,
      msPerCommit: 1000 / single.perSec,
      batchedRowsPerSec: batched.perSec * BATCH_ROWS,
      batchRows: BATCH_ROWS,
    };
  });
}

/**
 * A short single-row commit loop, run by each scenario process right after its measured
 * round: the fsync latency of a shared disk drifts, and the figures only mean something
 * next to what the disk did at that moment.
 */
export function probeCommitMs(durationMs = 200): number {
  return withScratchTable((transaction) => 1000 / loopFor(durationMs, () => transaction(1)).perSec);
}

function withScratchTable<T>(use: (transaction: (rows: number) => void) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'waymark-ceiling-'));
  const db = new Database(join(dir, 'ceiling.db'));
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, run_id TEXT NOT NULL, data TEXT NOT NULL)');
    const begin = db.prepare('BEGIN IMMEDIATE');
    const insert = db.prepare('INSERT INTO t (run_id, data) VALUES (?, ?)');
    const commit = db.prepare('COMMIT');
    return use((rows) => {
      begin.run();
      for (let i = 0; i < rows; i++) insert.run('0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', '{"i":1}');
      commit.run();
    });
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

function loopFor(durationMs: number, body: () => void): { perSec: number } {
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs) {
    body();
    count++;
    elapsed = performance.now() - start;
  }
  return { perSec: count / (elapsed / 1000) };
}
