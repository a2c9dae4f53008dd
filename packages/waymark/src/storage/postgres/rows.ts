import type { HistoryEvent, HistoryEventType, NewHistoryEvent } from '../../core/history.ts';
import type { RunRecord, RunStatus } from '../../core/run.ts';
import {
  definitionFromColumns,
  errorFromText,
  errorToText,
  fromJsonText,
  toJsonText,
} from '../../core/json-text.ts';
import type { StepKind, StepRecord, StepStatus } from '../../core/step.ts';

/** A `runs` row as `pg` returns it (bigint columns parsed as numbers, see connection.ts). */
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
  pause_requested: boolean;
  paused_from: 'pending' | 'sleeping' | 'waiting' | null;
  definition_source: string | null;
  definition_hash: string | null;
  definition_file: string | null;
  definition_nested: string | null;
}

export function runRecord(row: RunRow): RunRecord {
  return {
    id: row.id,
    workflowName: row.workflow_name,
    workflowVersion: row.workflow_version,
    status: row.status,
    input: fromJsonText(row.input),
    output: fromJsonText(row.output),
    error: errorFromText(row.error),
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
    pauseRequested: row.pause_requested,
    definition: definitionFromColumns(row),
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

export function stepRecord(row: StepRow): StepRecord {
  return {
    runId: row.run_id,
    key: row.key,
    name: row.name,
    kind: row.kind,
    status: row.status,
    attempt: row.attempt,
    output: fromJsonText(row.output),
    error: errorFromText(row.error),
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    wakeAt: row.wake_at,
    childRunId: row.child_run_id,
  };
}

/** A step as the values of the step upsert, in STEP_COLUMNS order (after run_id). */
export function stepValues(step: StepRecord): StepValues {
  return [
    step.key,
    step.name,
    step.kind,
    step.status,
    step.attempt,
    toJsonText(step.output),
    errorToText(step.error),
    step.startedAt,
    step.finishedAt,
    step.wakeAt,
    step.childRunId,
  ];
}

export type StepValues = [
  key: string,
  name: string,
  kind: string,
  status: string,
  attempt: number,
  output: string | null,
  error: string | null,
  startedAt: number,
  finishedAt: number | null,
  wakeAt: number | null,
  childRunId: string | null,
];

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

export function historyEvent(row: EventRow): HistoryEvent {
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

/** An event ready to insert: the column values after run_id. */
export type EventValues = [
  type: string,
  stepKey: string | null,
  attempt: number | null,
  at: number,
  durationMs: number | null,
  data: string,
];

export function eventValues(event: NewHistoryEvent): EventValues {
  return [
    event.type,
    event.stepKey ?? null,
    event.attempt ?? null,
    event.at,
    event.durationMs ?? null,
    JSON.stringify(event.data ?? {}),
  ];
}
