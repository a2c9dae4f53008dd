import type Database from 'better-sqlite3';
import { TERMINAL_RUN_STATUSES } from '../../core/run.ts';
import { RUN_COLUMNS, runRowOf, type RunRow } from './row-mapping.ts';

/**
 * `column` is one of `values`, as comparisons: SQLite evaluates an IN list of three or more
 * constants through an ephemeral b-tree, with a page cache of its own, built and freed each
 * time the statement runs (see migration 0005, which did the same for the CHECK constraints).
 */
function oneOf(column: string, values: readonly string[]): string {
  return `(${values.map((value) => `${column} = '${value}'`).join(' OR ')})`;
}

// Runs and steps end in the same three statuses.
const ENDED = TERMINAL_RUN_STATUSES;
/** Statuses of runs due at their wake time (claimed by `dueParked`, one status at a time). */
export const PARKED = ['pending', 'sleeping', 'waiting'] as const;
const notEnded = (column = 'status'): string => `NOT ${oneOf(column, ENDED)}`;
const NOT_ENDED = notEnded();
const IN_WORKFLOWS = `(@workflows IS NULL OR workflow_name IN (SELECT value FROM json_each(@workflows)))`;
// Not `LIMIT @limit`: the planner reads a bound LIMIT's value, which makes SQLite re-prepare
// the statement every time the parameter is bound again (better-sqlite3 binds on every call):
// ~20 µs per claim query instead of ~1.5 µs. A scalar subquery keeps the plan fixed.
const LIMIT = `LIMIT (SELECT @limit)`;
export const RUN_SELECT = RUN_COLUMNS.join(', ');

/** A statement returning runs rows (its columns: RUN_COLUMNS), read as arrays: see runRowOf. */
export interface RunRowStatement {
  get(...params: unknown[]): RunRow | undefined;
  all(...params: unknown[]): RunRow[];
  /** The SQL (for EXPLAIN in tests). */
  readonly source: string;
}

export function runRows(statement: Database.Statement): RunRowStatement {
  statement.raw(true);
  return {
    source: statement.source,
    get(...params) {
      const values = statement.get(...params) as unknown[] | undefined;
      return values === undefined ? undefined : runRowOf(values);
    },
    all: (...params) => (statement.all(...params) as unknown[][]).map(runRowOf),
  };
}

/**
 * Every statement the store runs, prepared once per connection. Lists are passed as one JSON
 * array parameter (`json_each`) so their statements stay fixed too.
 */
export function prepareStatements(db: Database.Database) {
  const p = (sql: string) => db.prepare(sql);
  const r = (sql: string) => runRows(db.prepare(sql));
  return {
    getRun: r(`SELECT ${RUN_SELECT} FROM runs WHERE id = ?`),
    getRunByIdempotencyKey: r(`SELECT ${RUN_SELECT} FROM runs WHERE idempotency_key = ?`),
    endedRuns: r(`
      SELECT ${RUN_SELECT} FROM runs
      WHERE id IN (SELECT value FROM json_each(?)) AND ${oneOf('status', ENDED)}`),
    fence: p(`
      SELECT status, fencing_token, lease_owner, pause_requested, recovery_count
      FROM runs WHERE id = ?`),
    insertRun: p(`
      INSERT INTO runs (id, workflow_name, workflow_version, status, input, parent_run_id,
        parent_step_key, idempotency_key, created_at, updated_at, wake_at, deadline_at,
        definition_source, definition_hash, definition_file, definition_nested)
      VALUES (@id, @workflow_name, @workflow_version, 'pending', @input, @parent_run_id,
        @parent_step_key, @idempotency_key, @now, @now, @wake_at, @deadline_at,
        @definition_source, @definition_hash, @definition_file, @definition_nested)`),
    // An eager start: the run is inserted already claimed, as `claim` would leave it.
    insertClaimedRun: p(`
      INSERT INTO runs (id, workflow_name, workflow_version, status, input, parent_run_id,
        parent_step_key, idempotency_key, created_at, updated_at, started_at, wake_at,
        deadline_at, lease_owner, lease_expires_at, fencing_token,
        definition_source, definition_hash, definition_file, definition_nested)
      VALUES (@id, @workflow_name, @workflow_version, 'running', @input, @parent_run_id,
        @parent_step_key, @idempotency_key, @now, @now, @now, NULL,
        @deadline_at, @owner, @expires, 1,
        @definition_source, @definition_hash, @definition_file, @definition_nested)`),

    // Claiming: one statement per parked status keeps each an ordered index range scan.
    dueParked: r(`
      SELECT ${RUN_SELECT} FROM runs
      WHERE status = @status AND wake_at <= @now AND pause_requested = 0 AND ${IN_WORKFLOWS}
      ORDER BY wake_at, id ${LIMIT}`),
    expiredLeases: r(`
      SELECT ${RUN_SELECT} FROM runs
      WHERE status = 'running' AND lease_expires_at <= @now AND ${IN_WORKFLOWS}
      ORDER BY lease_expires_at, id ${LIMIT}`),
    claim: p(`
      UPDATE runs SET status = 'running', lease_owner = @owner, lease_expires_at = @expires,
        fencing_token = fencing_token + 1, started_at = COALESCE(started_at, @now),
        recovery_count = recovery_count + @recovered, wake_at = NULL, updated_at = @now
      WHERE id = @id`),
    // The heartbeat reads `fence`, then extends (a RETURNING would need an ephemeral table).
    extendLease: p(`UPDATE runs SET lease_expires_at = @expires WHERE id = @id`),
    release: p(`
      UPDATE runs SET
        status = CASE WHEN pause_requested = 1 THEN 'paused' ELSE 'pending' END,
        paused_from = CASE WHEN pause_requested = 1 THEN 'pending' END,
        wake_at = @now, lease_owner = NULL, lease_expires_at = NULL, updated_at = @now
      WHERE id = @id`),
    park: p(`
      UPDATE runs SET status = @status, paused_from = @paused_from, wake_at = @wake_at,
        lease_owner = NULL, lease_expires_at = NULL,
        recovery_count = recovery_count + @recovery, updated_at = @now
      WHERE id = @id`),
    // The waited keys drive the join (CROSS JOIN keeps that order: each key one primary-key
    // lookup); `key IN (SELECT value FROM json_each(…))` would build an ephemeral table.
    anyStepSettled: p(`
      SELECT EXISTS (
        SELECT 1 FROM json_each(@keys) AS waited
        CROSS JOIN steps ON steps.run_id = @run_id AND steps.key = waited.value
        WHERE steps.status = 'completed' OR steps.status = 'failed') AS settled`),
    resetRecovery: p(`
      UPDATE runs SET recovery_count = 0, updated_at = @now
      WHERE id = @id AND recovery_count <> 0`),
    finish: p(`
      UPDATE runs SET status = @status, output = @output, error = @error, finished_at = @now,
        wake_at = NULL, lease_owner = NULL, lease_expires_at = NULL, paused_from = NULL,
        updated_at = @now
      WHERE id = @id`),
    endedRun: p(`SELECT id, workflow_name, parent_run_id, parent_step_key FROM runs WHERE id = ?`),
    cancel: r(`
      UPDATE runs SET status = 'cancelled', error = @error, finished_at = @now, wake_at = NULL,
        lease_owner = NULL, lease_expires_at = NULL, fencing_token = fencing_token + 1,
        paused_from = NULL, updated_at = @now
      WHERE id = @id RETURNING ${RUN_SELECT}`),
    unfinishedTree: r(`
      WITH RECURSIVE tree (id) AS (
        SELECT @id UNION SELECT runs.id FROM runs JOIN tree ON runs.parent_run_id = tree.id
      )
      SELECT ${RUN_COLUMNS.map((c) => `runs.${c}`).join(', ')} FROM tree JOIN runs ON runs.id = tree.id WHERE ${notEnded('runs.status')}`),

    // The steps a run being cancelled leaves unfinished (see core/cancelled-steps.ts).
    unfinishedSteps: p(`
      SELECT key, attempt, started_at FROM steps WHERE run_id = ? AND ${NOT_ENDED} ORDER BY rowid`),
    cancelStep: p(`
      UPDATE steps SET status = 'cancelled', error = @error, finished_at = @now, wake_at = NULL
      WHERE run_id = @run_id AND key = @key`),

    // A child that ends settles every unsettled step linked to it (normally its parent's one
    // step), except in runs being cancelled along with it (@exclude). Read first, then
    // updated: most runs are no one's child, so the UPDATE is usually skipped.
    linkedSteps: p(`
      SELECT run_id, key, attempt FROM steps WHERE child_run_id = ? AND ${NOT_ENDED}`),
    settleLinkedSteps: p(`
      UPDATE steps SET status = @status, output = @output, error = @error,
        finished_at = @now, wake_at = NULL
      WHERE child_run_id = @child AND run_id = @run_id AND ${NOT_ENDED}`),
    // The parent's step named by the child's parent_step_key, for a child created with
    // createRun whose step does not name it yet: read, then settled by its key.
    parentStep: p(`
      SELECT run_id, key, attempt FROM steps
      WHERE run_id = @parent AND key = @key AND ${NOT_ENDED}
        AND (child_run_id IS NULL OR child_run_id = @child)`),
    settleParentStep: p(`
      UPDATE steps SET status = @status, output = @output, error = @error,
        finished_at = @now, wake_at = NULL, child_run_id = @child
      WHERE run_id = @parent AND key = @key`),
    // Wakes a run that something it waits for happened to. A parked run becomes due now; a
    // paused one will be due when resumed; a running one keeps running, and its next
    // parkRun sees the settled step (the waitingOn rule).
    wake: p(`
      UPDATE runs SET
        status = CASE WHEN ${oneOf('status', PARKED)} THEN 'pending' ELSE status END,
        paused_from = CASE WHEN status = 'paused' THEN 'pending' ELSE paused_from END,
        wake_at = MIN(COALESCE(wake_at, @now), @now),
        updated_at = @now
      WHERE id = @id AND ${NOT_ENDED}`),

    pause: r(`
      UPDATE runs SET
        pause_requested = 1,
        status = CASE WHEN ${oneOf('status', PARKED)} THEN 'paused' ELSE status END,
        paused_from = CASE WHEN ${oneOf('status', PARKED)} THEN status ELSE paused_from END,
        updated_at = @now
      WHERE id = @id RETURNING ${RUN_SELECT}`),
    resume: r(`
      UPDATE runs SET
        pause_requested = 0,
        status = CASE WHEN status = 'paused' THEN COALESCE(paused_from, 'pending') ELSE status END,
        wake_at = CASE WHEN status = 'paused' AND COALESCE(paused_from, 'pending') = 'pending'
          THEN COALESCE(wake_at, @now) ELSE wake_at END,
        paused_from = NULL,
        updated_at = @now
      WHERE id = @id RETURNING ${RUN_SELECT}`),

    upsertStep: p(`
      INSERT INTO steps (run_id, key, name, kind, status, attempt, output, error, started_at,
        finished_at, wake_at, child_run_id)
      VALUES (@run_id, @key, @name, @kind, @status, @attempt, @output, @error, @started_at,
        @finished_at, @wake_at, @child_run_id)
      ON CONFLICT (run_id, key) DO UPDATE SET name = excluded.name, kind = excluded.kind,
        status = excluded.status, attempt = excluded.attempt, output = excluded.output,
        error = excluded.error, started_at = excluded.started_at,
        finished_at = excluded.finished_at, wake_at = excluded.wake_at,
        child_run_id = excluded.child_run_id`),
    // rowid order is first-insert order (an upsert keeps its row): the order steps were first
    // recorded, which two steps started in the same millisecond would not keep.
    listSteps: p(`SELECT * FROM steps WHERE run_id = ? ORDER BY rowid`),

    insertEvent: p(`
      INSERT INTO events (run_id, type, step_key, attempt, at, duration_ms, data)
      VALUES (?, ?, ?, ?, ?, ?, ?)`),
    listEvents: p(`
      SELECT * FROM events WHERE run_id = @run_id AND seq > @after ORDER BY seq ${LIMIT}`),
  };
}

export type Statements = ReturnType<typeof prepareStatements>;
