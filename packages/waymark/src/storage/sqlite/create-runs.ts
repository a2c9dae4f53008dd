import { toJsonText } from '../../core/json-text.ts';
import { claimEvent } from '../../core/history.ts';
import type { RunRecord } from '../../core/run.ts';
import type { CreateRunParams, RunControl } from '../../core/store.ts';
import { outcomeOfEndedRun } from '../../core/child-outcome.ts';
import { outcomeColumns } from './child-outcome.ts';
import { checkFence } from './fencing.ts';
import {
  eventParams,
  type EventParams,
  type RunRow,
  type StepRow,
  runRecordOf,
} from './row-mapping.ts';
import type { Statements } from './statements.ts';

/** A run to insert, encoded before the write is queued. */
export interface EncodedRun {
  bind: {
    id: string;
    workflow_name: string;
    workflow_version: string | null;
    input: string | null;
    parent_run_id: string | null;
    parent_step_key: string | null;
    idempotency_key: string | null;
    now: number;
    wake_at: number;
    deadline_at: number | null;
    definition_source: string | null;
    definition_hash: string | null;
    definition_file: string | null;
    definition_nested: string | null;
  };
  events: EventParams[];
}

export function encodeRun(
  params: CreateRunParams,
  parent?: { runId: string; stepKey: string },
): EncodedRun {
  return {
    bind: {
      id: params.id,
      workflow_name: params.workflowName,
      workflow_version: params.workflowVersion,
      input: toJsonText(params.input),
      parent_run_id: parent?.runId ?? params.parentRunId ?? null,
      parent_step_key: parent?.stepKey ?? params.parentStepKey ?? null,
      idempotency_key: params.idempotencyKey ?? null,
      now: params.now,
      wake_at: params.wakeAt ?? params.now,
      deadline_at: params.deadlineAt ?? null,
      definition_source: params.definition?.source ?? null,
      definition_hash: params.definition?.hash ?? null,
      definition_file: params.definition?.file ?? null,
      definition_nested: toJsonText(params.definition?.nested),
    },
    events: params.events.map((event) => eventParams(params.id, event)),
  };
}

/**
 * Inserts the run unless its idempotency key is taken. The lookup and the insert share the
 * write transaction, so two concurrent creations with one key cannot both insert.
 */
export function insertRun(sql: Statements, run: EncodedRun): { row: RunRow; created: boolean } {
  const existing = runWithKey(sql, run);
  if (existing !== undefined) return { row: existing, created: false };
  sql.insertRun.run(run.bind);
  for (const event of run.events) sql.insertEvent.run(event);
  return { row: insertedRow(run.bind, null), created: true };
}

/**
 * An eager start: inserts the run already claimed by `claim.workerId` (one INSERT instead of
 * an INSERT and the claim's UPDATE), with the claim's event after the run's own, exactly as
 * `insertRun` followed by `claimRun` would leave it. An existing run is returned unclaimed.
 */
export function insertClaimedRun(
  sql: Statements,
  run: EncodedRun,
  claim: { workerId: string; leaseMs: number },
): { run: RunRecord; created: boolean } {
  const existing = runWithKey(sql, run);
  if (existing !== undefined) return { run: runRecordOf(existing), created: false };
  const { bind } = run;
  const expires = bind.now + claim.leaseMs;
  sql.insertClaimedRun.run({ ...bind, owner: claim.workerId, expires });
  const row = insertedRow(bind, { owner: claim.workerId, expires });
  const claimed = runRecordOf(row, false);
  for (const event of run.events) sql.insertEvent.run(event);
  sql.insertEvent.run(eventParams(claimed.id, claimEvent(claimed, bind.now)));
  return { run: claimed, created: true };
}

/**
 * The row as `insertRun` (no claim) or `insertClaimedRun` wrote it, built from its bind
 * values instead of read back (the conformance suite checks it equals the stored run).
 */
function insertedRow(
  bind: EncodedRun['bind'],
  claim: { owner: string; expires: number } | null,
): RunRow {
  return {
    id: bind.id,
    workflow_name: bind.workflow_name,
    workflow_version: bind.workflow_version,
    status: claim === null ? 'pending' : 'running',
    input: bind.input,
    output: null,
    error: null,
    parent_run_id: bind.parent_run_id,
    parent_step_key: bind.parent_step_key,
    idempotency_key: bind.idempotency_key,
    created_at: bind.now,
    updated_at: bind.now,
    started_at: claim === null ? null : bind.now,
    finished_at: null,
    wake_at: claim === null ? bind.wake_at : null,
    deadline_at: bind.deadline_at,
    lease_owner: claim?.owner ?? null,
    lease_expires_at: claim?.expires ?? null,
    fencing_token: claim === null ? 0 : 1,
    recovery_count: 0,
    pause_requested: 0,
    paused_from: null,
    definition_source: bind.definition_source,
    definition_hash: bind.definition_hash,
    definition_file: bind.definition_file,
    definition_nested: bind.definition_nested,
  };
}

function runWithKey(sql: Statements, run: EncodedRun): RunRow | undefined {
  const key = run.bind.idempotency_key;
  return key === null ? undefined : (sql.getRunByIdempotencyKey.get(key) as RunRow | undefined);
}

/**
 * Creates (or links, by idempotency key) a child and records the parent's step pointing at
 * it. A linked child that already ended settles the step at once, since no later end of
 * that child will.
 */
export function startChildRun(
  sql: Statements,
  params: {
    runId: string;
    fencingToken: number;
    now: number;
    step: StepRow;
    child: EncodedRun;
    events: EventParams[];
  },
): { row: RunRow; control: RunControl } {
  const fence = checkFence(sql, params.runId, params.fencingToken);
  const { row, created } = insertRun(sql, params.child);
  const outcome = created ? null : outcomeOfEndedRun(row);
  sql.upsertStep.run({
    ...params.step,
    child_run_id: row.id,
    ...(outcome === null
      ? {}
      : { ...outcomeColumns(outcome), finished_at: params.now, wake_at: null }),
  });
  for (const event of params.events) sql.insertEvent.run(event);
  return { row, control: { pauseRequested: fence.pause_requested === 1 } };
}
