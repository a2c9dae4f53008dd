import type { HistoryEvent } from '../../core/history.ts';
import type { RunRecord } from '../../core/run.ts';
import type { StepRecord } from '../../core/step.ts';
import type { ClientQueries, Queryable } from './connection.ts';
import { errorToText, toJsonText } from '../../core/json-text.ts';
import { stepRowOf, type RunRow } from './rows.ts';

/** Everything a store holds about one run, as the Store port reads it. */
export interface RunToImport {
  run: RunRecord;
  /** In the order they were first recorded (listSteps order). */
  steps: StepRecord[];
  /** In history order (listEvents order). */
  events: HistoryEvent[];
}

export interface ImportCounts {
  runs: number;
  steps: number;
  events: number;
}

/** Runs per round of inserts: bounds statement sizes, not the transaction. */
const CHUNK = 200;

/** Runs already in the store with one of these ids or idempotency keys. */
export async function findExistingRuns(
  db: Queryable,
  ids: readonly string[],
  idempotencyKeys: readonly string[],
): Promise<Array<{ id: string; idempotencyKey: string | null }>> {
  const rows = await db.query<{ id: string; idempotency_key: string | null }>(
    {
      text: `SELECT id, idempotency_key FROM runs
             WHERE id = ANY($1::text[]) OR idempotency_key = ANY($2::text[]) ORDER BY id`,
    },
    [ids, idempotencyKeys],
  );
  return rows.map((row) => ({ id: row.id, idempotencyKey: row.idempotency_key }));
}

/**
 * Copies runs with their steps and history, exactly as recorded (status, lease, fencing
 * token, times, definitions), in ONE transaction: a failure (a conflicting id or key, which
 * the unique indexes reject) leaves the store as it was. Foreign keys are checked at commit,
 * so children may come before their parents. Events get new sequence numbers in their
 * original order; steps keep their order.
 */
export async function importRuns(
  client: ClientQueries,
  source: AsyncIterable<RunToImport>,
): Promise<ImportCounts> {
  const counts: ImportCounts = { runs: 0, steps: 0, events: 0 };
  await client.exec('BEGIN');
  try {
    await client.exec('SET CONSTRAINTS ALL DEFERRED');
    let chunk: RunToImport[] = [];
    for await (const item of source) {
      chunk.push(item);
      if (chunk.length >= CHUNK) {
        await insertChunk(client, chunk, counts);
        chunk = [];
      }
    }
    await insertChunk(client, chunk, counts);
    await client.exec('COMMIT');
    return counts;
  } catch (error) {
    await client.exec('ROLLBACK').catch(() => {});
    throw error;
  }
}

async function insertChunk(
  client: ClientQueries,
  chunk: RunToImport[],
  counts: ImportCounts,
): Promise<void> {
  if (chunk.length === 0) return;
  const runs = chunk.map(({ run }) => runRow(run));
  const steps = chunk.flatMap(({ run, steps }) => steps.map((step) => stepRowOf(run.id, step)));
  const events = chunk.flatMap(({ run, events }) => events.map((event) => eventRow(run.id, event)));
  await client.query({ text: INSERT_RUNS }, [JSON.stringify(runs)]);
  if (steps.length > 0) await client.query({ text: INSERT_STEPS }, [JSON.stringify(steps)]);
  if (events.length > 0) await client.query({ text: INSERT_EVENTS }, [JSON.stringify(events)]);
  counts.runs += runs.length;
  counts.steps += steps.length;
  counts.events += events.length;
}

const RUN_COLUMNS = `id, workflow_name, workflow_version, status, input, output, error,
  parent_run_id, parent_step_key, idempotency_key, created_at, updated_at, started_at,
  finished_at, wake_at, deadline_at, lease_owner, lease_expires_at, fencing_token,
  recovery_count, pause_requested, paused_from, definition_source, definition_hash,
  definition_file, definition_nested`;
const STEP_COLUMNS = `run_id, key, name, kind, status, attempt, output, error, started_at,
  finished_at, wake_at, child_run_id`;
const EVENT_COLUMNS = `run_id, type, step_key, attempt, at, duration_ms, data`;

const INSERT_RUNS = `INSERT INTO runs (${RUN_COLUMNS})
  SELECT ${RUN_COLUMNS} FROM json_populate_recordset(NULL::runs, $1::json)`;
// WITH ORDINALITY … ORDER BY: identity values (step position, event seq) follow array order.
const INSERT_STEPS = `INSERT INTO steps (${STEP_COLUMNS})
  SELECT ${STEP_COLUMNS} FROM json_populate_recordset(NULL::steps, $1::json) WITH ORDINALITY
  AS s ORDER BY ordinality`;
const INSERT_EVENTS = `INSERT INTO events (${EVENT_COLUMNS})
  SELECT ${EVENT_COLUMNS} FROM json_populate_recordset(NULL::events, $1::json) WITH ORDINALITY
  AS e ORDER BY ordinality`;

/** A run as its row: the inverse of runRecordOf (core/store-rows.ts). */
function runRow(run: RunRecord): RunRow {
  return {
    id: run.id,
    workflow_name: run.workflowName,
    workflow_version: run.workflowVersion,
    status: run.status,
    input: toJsonText(run.input),
    output: toJsonText(run.output),
    error: errorToText(run.error),
    parent_run_id: run.parentRunId,
    parent_step_key: run.parentStepKey,
    idempotency_key: run.idempotencyKey,
    created_at: run.createdAt,
    updated_at: run.updatedAt,
    started_at: run.startedAt,
    finished_at: run.finishedAt,
    wake_at: run.wakeAt,
    deadline_at: run.deadlineAt,
    lease_owner: run.leaseOwner,
    lease_expires_at: run.leaseExpiresAt,
    fencing_token: run.fencingToken,
    recovery_count: run.recoveryCount,
    pause_requested: run.pauseRequested,
    paused_from: null,
    definition_source: run.definition?.source ?? null,
    definition_hash: run.definition?.hash ?? null,
    definition_file: run.definition?.file ?? null,
    definition_nested: toJsonText(run.definition?.nested),
  };
}

function eventRow(runId: string, event: HistoryEvent) {
  return {
    run_id: runId,
    type: event.type,
    step_key: event.stepKey,
    attempt: event.attempt,
    at: event.at,
    duration_ms: event.durationMs,
    data: JSON.stringify(event.data),
  };
}
