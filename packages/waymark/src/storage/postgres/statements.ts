import type { Statement } from './connection.ts';
import type { LeaseClock } from './options.ts';

// Runs and steps end in the same three statuses.
const ENDED = `status IN ('completed', 'failed', 'cancelled')`;
const NOT_ENDED = `status NOT IN ('completed', 'failed', 'cancelled')`;
const PARKED = `status IN ('pending', 'sleeping', 'waiting')`;
/** The database server's clock in epoch ms (`clock_timestamp()`: now, not the transaction's start). */
const DATABASE_NOW_MS = `floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint`;

/**
 * Every statement the store runs. Lists are passed as arrays (`= ANY($n)`, `unnest`) so the
 * statements stay fixed. Most are named (`s`), so each connection parses and plans them once.
 * The bulk statements joining a batch's rows (`unnest`) with the tables are not (`bulk`):
 * a named statement soon runs a generic plan, which cannot know how many rows the arrays
 * hold, guesses ten, and on a freshly filled table joins them by a nested loop over every
 * running run — quadratic in the batch (a 1,000-step batch took 0.5 s instead of about 20 ms).
 * Planned with the actual arrays each time, they cost a fraction of a millisecond per batch
 * to plan. Lease times use the clock the store was configured with (`leaseNow`): the
 * database's or the caller's `now`.
 */
export function buildStatements(leaseClock: LeaseClock) {
  const s = (name: string, text: string): Statement => ({ name: `waymark_${name}`, text });
  const bulk = (text: string): Statement => ({ text });
  // The parameter holding the caller's `now` differs per statement, hence a function.
  const leaseNow = (nowParam: string) => (leaseClock === 'database' ? DATABASE_NOW_MS : nowParam);
  const inWorkflows = (param: string) =>
    `(${param}::text[] IS NULL OR workflow_name = ANY(${param}::text[]))`;

  return {
    getRun: s('get_run', `SELECT * FROM runs WHERE id = $1`),
    endedRuns: s('ended_runs', `SELECT * FROM runs WHERE id = ANY($1::text[]) AND ${ENDED}`),
    lockRun: s('lock_run', `SELECT * FROM runs WHERE id = $1 FOR UPDATE`),
    getRunByIdempotencyKey: s('get_run_by_key', `SELECT * FROM runs WHERE idempotency_key = $1`),
    // The fencing check locks the run's row until the transaction ends: no claim can change
    // its token between the check and the writes that follow.
    fence: s(
      'fence',
      `SELECT status, fencing_token, pause_requested, recovery_count FROM runs
       WHERE id = $1 FOR UPDATE`,
    ),

    createRuns: bulk(createRuns(leaseNow('w.now'))),
    endRuns: bulk(END_RUNS),

    // Claiming: $1 worker, $2 now, $3 lease ms, $4 limit, $5 workflows (NULL: any).
    // Each candidate list is an ordered index scan capped at the limit; SKIP LOCKED makes
    // concurrent claimers (other processes) pass over rows another claim is taking.
    claim: s(
      'claim',
      `WITH parked AS (
         SELECT id, wake_at AS due_at, false AS recovered FROM runs
         WHERE ${PARKED} AND wake_at <= $2 AND NOT pause_requested AND ${inWorkflows('$5')}
         ORDER BY wake_at, id LIMIT $4 FOR UPDATE SKIP LOCKED
       ), expired AS (
         SELECT id, lease_expires_at AS due_at, true AS recovered FROM runs
         WHERE status = 'running' AND lease_expires_at <= ${leaseNow('$2')}
           AND ${inWorkflows('$5')}
         ORDER BY lease_expires_at, id LIMIT $4 FOR UPDATE SKIP LOCKED
       ), chosen AS (
         SELECT * FROM parked UNION ALL SELECT * FROM expired ORDER BY due_at, id LIMIT $4
       )
       UPDATE runs SET status = 'running', lease_owner = $1,
         lease_expires_at = ${leaseNow('$2')} + $3::bigint,
         fencing_token = fencing_token + 1, started_at = COALESCE(started_at, $2),
         recovery_count = recovery_count + CASE WHEN chosen.recovered THEN 1 ELSE 0 END,
         wake_at = NULL, updated_at = $2
       FROM chosen WHERE runs.id = chosen.id
       RETURNING runs.*, chosen.recovered, chosen.due_at`,
    ),
    // $1 worker, $2 lease ms, $3 run ids, $4 their tokens[, $5 now (caller clock only)].
    extendLeases: bulk(
      `UPDATE runs SET lease_expires_at = ${leaseNow('$5::bigint')} + $2::bigint
       FROM unnest($3::text[], $4::int[]) AS held (id, token)
       WHERE runs.id = held.id AND runs.status = 'running'
         AND runs.fencing_token = held.token AND runs.lease_owner = $1
       RETURNING runs.id, runs.pause_requested`,
    ),
    release: s(
      'release',
      `UPDATE runs SET
         status = CASE WHEN pause_requested THEN 'paused' ELSE 'pending' END,
         paused_from = CASE WHEN pause_requested THEN 'pending' END,
         wake_at = $2, lease_owner = NULL, lease_expires_at = NULL, updated_at = $2
       WHERE id = $1
       RETURNING status`,
    ),
    // $1 id, $2 status, $3 paused_from, $4 wake_at, $5 recovery increment, $6 now.
    park: s(
      'park',
      `UPDATE runs SET status = $2, paused_from = $3, wake_at = $4,
         lease_owner = NULL, lease_expires_at = NULL,
         recovery_count = recovery_count + $5, updated_at = $6
       WHERE id = $1 RETURNING *`,
    ),
    anyStepSettled: s(
      'any_step_settled',
      `SELECT EXISTS (SELECT 1 FROM steps WHERE run_id = $1
         AND status IN ('completed', 'failed') AND key = ANY($2::text[])) AS settled`,
    ),
    resetRecovery: s(
      'reset_recovery',
      `UPDATE runs SET recovery_count = 0, updated_at = $2 WHERE id = $1 AND recovery_count <> 0`,
    ),
    // A run that ended meanwhile (its worker committed first) is left alone.
    cancel: s(
      'cancel',
      `UPDATE runs SET status = 'cancelled', error = $2, finished_at = $3, wake_at = NULL,
         lease_owner = NULL, lease_expires_at = NULL, fencing_token = fencing_token + 1,
         paused_from = NULL, updated_at = $3
       WHERE id = $1 AND ${NOT_ENDED} RETURNING *`,
    ),
    unfinishedTree: s(
      'unfinished_tree',
      `WITH RECURSIVE tree (id) AS (
         SELECT $1::text COLLATE "C" UNION SELECT runs.id FROM runs JOIN tree ON runs.parent_run_id = tree.id
       )
       SELECT runs.* FROM tree JOIN runs ON runs.id = tree.id WHERE runs.${NOT_ENDED}`,
    ),

    // The steps a run being cancelled leaves unfinished (see core/cancelled-steps.ts).
    unfinishedSteps: s(
      'unfinished_steps',
      `SELECT key, attempt, started_at FROM steps WHERE run_id = $1 AND ${NOT_ENDED}
       ORDER BY position`,
    ),
    // $1 run id, $2 key, $3 error, $4 now. A step another process settled since it was read
    // (its child ended) keeps its end.
    cancelStep: s(
      'cancel_step',
      `UPDATE steps SET status = 'cancelled', error = $3, finished_at = $4, wake_at = NULL
       WHERE run_id = $1 AND key = $2 AND ${NOT_ENDED}
       RETURNING key`,
    ),

    // A child that ends settles every unsettled step linked to it (normally its parent's
    // one step), except in runs listed in $6 (being cancelled along with it).
    // $1 child, $2 status, $3 output, $4 error, $5 now, $6 excluded run ids.
    settleLinkedSteps: s(
      'settle_linked_steps',
      `UPDATE steps SET status = $2, output = $3, error = $4, finished_at = $5, wake_at = NULL
       WHERE child_run_id = $1 AND ${NOT_ENDED} AND NOT (run_id = ANY($6::text[]))
       RETURNING run_id, key, attempt`,
    ),
    // The parent's step named by the child's parent_step_key, for a child created with
    // createRun whose step does not name it yet. $1 child … $5 now, $6 parent, $7 key.
    settleParentStep: s(
      'settle_parent_step',
      `UPDATE steps SET status = $2, output = $3, error = $4, finished_at = $5, wake_at = NULL,
         child_run_id = $1
       WHERE run_id = $6 AND key = $7 AND ${NOT_ENDED}
         AND (child_run_id IS NULL OR child_run_id = $1)
       RETURNING run_id, key, attempt`,
    ),
    // Wakes runs that something they wait for happened to. A parked run becomes due now; a
    // paused one will be due when resumed; a running one keeps running, and its next parkRun
    // sees the settled step (the waitingOn rule). $1 run ids, $2 now.
    wake: s(
      'wake',
      `UPDATE runs SET
         status = CASE WHEN ${PARKED} THEN 'pending' ELSE status END,
         paused_from = CASE WHEN status = 'paused' THEN 'pending' ELSE paused_from END,
         wake_at = LEAST(COALESCE(wake_at, $2), $2),
         updated_at = $2
       WHERE id = ANY($1::text[]) AND ${NOT_ENDED}
       RETURNING status`,
    ),

    pause: s(
      'pause',
      `UPDATE runs SET
         pause_requested = true,
         status = CASE WHEN ${PARKED} THEN 'paused' ELSE status END,
         paused_from = CASE WHEN ${PARKED} THEN status ELSE paused_from END,
         updated_at = $2
       WHERE id = $1 RETURNING *`,
    ),
    resume: s(
      'resume',
      `UPDATE runs SET
         pause_requested = false,
         status = CASE WHEN status = 'paused' THEN COALESCE(paused_from, 'pending') ELSE status END,
         wake_at = CASE WHEN status = 'paused' AND COALESCE(paused_from, 'pending') = 'pending'
           THEN COALESCE(wake_at, $2) ELSE wake_at END,
         paused_from = NULL,
         updated_at = $2
       WHERE id = $1 RETURNING *`,
    ),

    // $1 run id, then stepValues() order.
    upsertStep: s(
      'upsert_step',
      `INSERT INTO steps (run_id, key, name, kind, status, attempt, output, error, started_at,
         finished_at, wake_at, child_run_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
       ON CONFLICT (run_id, key) DO UPDATE SET ${STEP_UPDATE}`,
    ),
    saveSteps: bulk(SAVE_STEPS()),
    listSteps: s('list_steps', `SELECT * FROM steps WHERE run_id = $1 ORDER BY position`),

    // Events of any runs, in array order (seq follows it).
    insertEvents: s(
      'insert_events',
      `INSERT INTO events (run_id, type, step_key, attempt, at, duration_ms, data)
       SELECT run_id, type, step_key, attempt, at, duration_ms, data
       FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::bigint[], $6::bigint[],
         $7::text[]) WITH ORDINALITY
         AS e (run_id, type, step_key, attempt, at, duration_ms, data, ord)
       ORDER BY ord`,
    ),
    listEvents: s(
      'list_events',
      `SELECT * FROM events WHERE run_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
    ),
    notify: s('notify', `SELECT pg_notify($1, $2)`),
  };
}

export type Statements = ReturnType<typeof buildStatements>;

const STEP_UPDATE = `name = excluded.name, kind = excluded.kind, status = excluded.status,
  attempt = excluded.attempt, output = excluded.output, error = excluded.error,
  started_at = excluded.started_at, finished_at = excluded.finished_at,
  wake_at = excluded.wake_at, child_run_id = excluded.child_run_id`;

/** Events of the writes a bulk statement applied: `$first` … `$first+6`, write index first. */
function eventsOf(first: number, applied: string): string {
  const p = (n: number) => `$${first + n}`;
  return `INSERT INTO events (run_id, type, step_key, attempt, at, duration_ms, data)
    SELECT ${applied}.run_id, e.type, e.step_key, e.attempt, e.at, e.duration_ms, e.data
    FROM unnest(${p(0)}::int[], ${p(1)}::text[], ${p(2)}::text[], ${p(3)}::int[],
      ${p(4)}::bigint[], ${p(5)}::bigint[], ${p(6)}::text[]) WITH ORDINALITY
      AS e (i, type, step_key, attempt, at, duration_ms, data, ord)
    JOIN ${applied} ON ${applied}.i = e.i ORDER BY e.ord`;
}

/**
 * Many createRun writes (each id at most once) in one statement. $1 write index, $2–$15 the
 * run (encodeRun order), $16 the claiming worker (NULL: not claimed), $17 lease ms; $18–$24
 * the events. ON CONFLICT DO NOTHING: a used id or idempotency key inserts nothing (and
 * returns no row) instead of failing the batch.
 */
function createRuns(leaseNow: string): string {
  return `
  WITH w AS (
    SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
      $7::text[], $8::text[], $9::bigint[], $10::bigint[], $11::bigint[], $12::text[],
      $13::text[], $14::text[], $15::text[], $16::text[], $17::bigint[])
      AS w (i, id, workflow_name, workflow_version, input, parent_run_id, parent_step_key,
        idempotency_key, now, wake_at, deadline_at, definition_source, definition_hash,
        definition_file, definition_nested, owner, lease_ms)
  ), created AS (
    INSERT INTO runs (id, workflow_name, workflow_version, status, input, parent_run_id,
      parent_step_key, idempotency_key, created_at, updated_at, wake_at, deadline_at,
      definition_source, definition_hash, definition_file, definition_nested, lease_owner,
      lease_expires_at, fencing_token, started_at)
    SELECT id, workflow_name, workflow_version,
      CASE WHEN owner IS NULL THEN 'pending' ELSE 'running' END, input, parent_run_id,
      parent_step_key, idempotency_key, now, now, CASE WHEN owner IS NULL THEN wake_at END,
      deadline_at, definition_source, definition_hash, definition_file, definition_nested, owner,
      CASE WHEN owner IS NOT NULL THEN ${leaseNow} + lease_ms END,
      CASE WHEN owner IS NULL THEN 0 ELSE 1 END, CASE WHEN owner IS NOT NULL THEN now END
    FROM w ORDER BY i
    ON CONFLICT DO NOTHING
    RETURNING *
  ), applied AS (
    SELECT w.i, created.id AS run_id FROM created JOIN w ON w.id = created.id
  ), logged AS (${eventsOf(18, 'applied')}
  ) SELECT created.*, applied.i FROM created JOIN applied ON applied.run_id = created.id`;
}

/**
 * Many completeRun/failRun writes (each run at most once) in one statement: every run still
 * held with the write's token ends, with its events. $1 write index, $2 run id, $3 token,
 * $4 status, $5 output, $6 error, $7 now; $8–$14 the events. \`linked\`: a step waits on the
 * run (besides its parent's), which the caller then settles.
 */
const END_RUNS = `
  WITH w AS (
    SELECT * FROM unnest($1::int[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[],
      $7::bigint[]) AS w (i, id, token, status, output, error, now)
  ), ended AS (
    UPDATE runs SET status = w.status, output = w.output, error = w.error,
      finished_at = w.now, wake_at = NULL, lease_owner = NULL, lease_expires_at = NULL,
      paused_from = NULL, updated_at = w.now
    FROM w WHERE runs.id = w.id AND runs.status = 'running' AND runs.fencing_token = w.token
    RETURNING w.i, runs.id AS run_id, runs.workflow_name, runs.parent_run_id,
      runs.parent_step_key
  ), logged AS (${eventsOf(8, 'ended')}
  ) SELECT ended.i, ended.run_id AS id, ended.workflow_name, ended.parent_run_id,
    ended.parent_step_key,
    EXISTS (SELECT 1 FROM steps WHERE steps.child_run_id = ended.run_id
      AND steps.${NOT_ENDED}) AS linked
  FROM ended`;

/**
 * Many saveStep writes (of any runs, each (run, key) at most once) in one statement: the
 * group commit's hot path. `fenced` locks the runs and keeps the writes whose token is
 * current; only those write their step, their events and their recovery reset. Returns the
 * index of each applied write with its run's pause flag; a write missing from the result
 * was rejected (stale token) and changed nothing.
 *
 * Steps: $1 write index, $2 run id, $3 token, $4 reset recovery, $5 now, $6–$16 the step
 * (stepValues order). Events: $17 write index, $18–$23 the event (eventValues order).
 */
const SAVE_STEPS = () => `
  WITH w AS (
    SELECT * FROM unnest($1::int[], $2::text[], $3::int[], $4::bool[], $5::bigint[],
      $6::text[], $7::text[], $8::text[], $9::text[], $10::int[], $11::text[], $12::text[],
      $13::bigint[], $14::bigint[], $15::bigint[], $16::text[])
      AS w (i, run_id, token, reset, now, key, name, kind, status, attempt, output, error,
        started_at, finished_at, wake_at, child_run_id)
  ), fenced AS (
    SELECT w.i, w.run_id, w.reset, w.now, runs.pause_requested, runs.recovery_count
    FROM w JOIN runs ON runs.id = w.run_id
    WHERE runs.status = 'running' AND runs.fencing_token = w.token
    FOR UPDATE OF runs
  ), saved AS (
    INSERT INTO steps (run_id, key, name, kind, status, attempt, output, error, started_at,
      finished_at, wake_at, child_run_id)
    SELECT w.run_id, w.key, w.name, w.kind, w.status, w.attempt, w.output, w.error,
      w.started_at, w.finished_at, w.wake_at, w.child_run_id
    FROM w JOIN fenced ON fenced.i = w.i ORDER BY w.i
    ON CONFLICT (run_id, key) DO UPDATE SET ${STEP_UPDATE}
  ), logged AS (${eventsOf(17, 'fenced')}
  ), reset AS (
    UPDATE runs SET recovery_count = 0, updated_at = fenced.now
    FROM fenced WHERE runs.id = fenced.run_id AND fenced.reset AND fenced.recovery_count <> 0
  )
  SELECT i, pause_requested FROM fenced`;
