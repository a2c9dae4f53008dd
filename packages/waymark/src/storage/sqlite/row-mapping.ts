import type { HistoryEvent, HistoryEventType, NewHistoryEvent } from '../../core/history.ts';
import type { RunDefinitionSource, RunRecord, RunStatus } from '../../core/run.ts';
import type { SerializedError } from '../../core/serialize-error.ts';
import type { StepKind, StepRecord, StepStatus } from '../../core/step.ts';

/** JSON columns: SQL NULL stands for `undefined`, so `null` and "nothing" stay distinct. */
export function encodeJson(value: unknown): string | null {
  return JSON.stringify(value) ?? null;
}

function decodeJson(text: string | null): unknown {
  return text === null ? undefined : JSON.parse(text);
}

function decodeError(text: string | null): SerializedError | null {
  return text === null ? null : (JSON.parse(text) as SerializedError);
}

export interface RunRow {
  id: string;
  workflow_name: string;
  workflow_version: string | null;
  status: RunStatus;
  input: string | null;
  output: string | null;
  error: string | null;
  parent_run_id: string | null;
  parent_step_key: string | null;
  idempotency_key: string | null;
  created_at: number;
  updated_at: number;
  started_at: number | null;
  finished_at: number | null;
  wake_at: number | null;
  deadline_at: number | null;
  lease_owner: string | null;
  lease_expires_at: number | null;
  fencing_token: number;
  recovery_count: number;
  pause_requested: 0 | 1;
  paused_from: 'pending' | 'sleeping' | 'waiting' | null;
  definition_source: string | null;
  definition_hash: string | null;
  definition_file: string | null;
  definition_nested: string | null;
}

export function toRunRecord(row: RunRow): RunRecord {
  return {
    id: row.id,
    workflowName: row.workflow_name,
    workflowVersion: row.workflow_version,
    status: row.status,
    input: decodeJson(row.input),
    output: decodeJson(row.output),
    error: decodeError(row.error),
    parentRunId: row.parent_run_id,
    parentStepKey: row.parent_step_key,
    idempotencyKey: row.idempotency_key,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    wakeAt: row.wake_at,
    deadlineAt: row.deadline_at,
    leaseOwner: row.lease_owner,
    leaseExpiresAt: row.lease_expires_at,
    fencingToken: row.fencing_token,
    recoveryCount: row.recovery_count,
    pauseRequested: row.pause_requested === 1,
    definition: toDefinition(row),
  };
}

function toDefinition(row: RunRow): RunDefinitionSource | null {
  if (row.definition_source === null || row.definition_hash === null) return null;
  const definition = {
    source: row.definition_source,
    hash: row.definition_hash,
    file: row.definition_file,
  };
  if (row.definition_nested === null) return definition;
  return {
    ...definition,
    nested: JSON.parse(row.definition_nested) as Record<string, RunDefinitionSource>,
  };
}

export interface StepRow {
  run_id: string;
  key: string;
  name: string;
  kind: StepKind;
  status: StepStatus;
  attempt: number;
  output: string | null;
  error: string | null;
  started_at: number;
  finished_at: number | null;
  wake_at: number | null;
  child_run_id: string | null;
}

export function toStepRecord(row: StepRow): StepRecord {
  return {
    runId: row.run_id,
    key: row.key,
    name: row.name,
    kind: row.kind,
    status: row.status,
    attempt: row.attempt,
    output: decodeJson(row.output),
    error: decodeError(row.error),
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    wakeAt: row.wake_at,
    childRunId: row.child_run_id,
  };
}

/** Binding parameters of the step upsert. */
export function stepParams(runId: string, step: StepRecord) {
  return {
    run_id: runId,
    key: step.key,
    name: step.name,
    kind: step.kind,
    status: step.status,
    attempt: step.attempt,
    output: encodeJson(step.output),
    error: step.error === null ? null : JSON.stringify(step.error),
    started_at: step.startedAt,
    finished_at: step.finishedAt,
    wake_at: step.wakeAt,
    child_run_id: step.childRunId,
  };
}

export type StepParams = ReturnType<typeof stepParams>;

export interface EventRow {
  seq: number;
  run_id: string;
  type: HistoryEventType;
  step_key: string | null;
  attempt: number | null;
  at: number;
  duration_ms: number | null;
  data: string;
}

export function toHistoryEvent(row: EventRow): HistoryEvent {
  return {
    seq: row.seq,
    runId: row.run_id,
    type: row.type,
    stepKey: row.step_key,
    attempt: row.attempt,
    at: row.at,
    durationMs: row.duration_ms,
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
}

/**
 * An event's bind values, positional (in `insertEvent`'s column order): binding by position
 * skips better-sqlite3's per-call name lookups on the hottest insert.
 */
export function eventParams(runId: string, event: NewHistoryEvent) {
  return [
    runId,
    event.type,
    event.stepKey ?? null,
    event.attempt ?? null,
    event.at,
    event.durationMs ?? null,
    JSON.stringify(event.data ?? {}),
  ] as const;
}

export type EventParams = ReturnType<typeof eventParams>;
