import type { HistoryEvent, HistoryEventType, NewHistoryEvent } from './history.ts';
import {
  type DefinitionColumns,
  definitionFromColumns,
  errorFromText,
  errorToText,
  fromJsonText,
  toJsonText,
} from './json-text.ts';
import type { RunRecord, RunStatus } from './run.ts';
import type { StepKind, StepRecord, StepStatus } from './step.ts';
import type { ClaimedRun } from './store.ts';

// The rows of the SQL stores' three tables, which every adapter lays out the same way (the
// same columns, JSON as text, times as epoch ms: see json-text.ts), and how they become the
// port's records. Only the pause flag's type differs: SQLite has no boolean (0/1).

export interface RunRow<
  PauseFlag extends boolean | 0 | 1 = boolean | 0 | 1,
> extends DefinitionColumns {
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
  pause_requested: PauseFlag;
  paused_from: 'pending' | 'sleeping' | 'waiting' | null;
}

export function runRecordOf(row: RunRow): RunRecord;
/** A claimed run: the record plus whether the claim took over an expired lease. */
export function runRecordOf(row: RunRow, recovered: boolean): ClaimedRun;
export function runRecordOf(row: RunRow, recovered?: boolean): RunRecord | ClaimedRun {
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
    pauseRequested: row.pause_requested === true || row.pause_requested === 1,
    definition: definitionFromColumns(row),
    // Set in the literal (not added later), so claimed and plain records keep one shape each.
    ...(recovered === undefined ? {} : { recovered }),
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

export function stepRecordOf(row: StepRow): StepRecord {
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

/** A step as its row: the inverse of stepRecordOf. */
export function stepRowOf(runId: string, step: StepRecord): StepRow {
  return {
    run_id: runId,
    key: step.key,
    name: step.name,
    kind: step.kind,
    status: step.status,
    attempt: step.attempt,
    output: toJsonText(step.output),
    error: errorToText(step.error),
    started_at: step.startedAt,
    finished_at: step.finishedAt,
    wake_at: step.wakeAt,
    child_run_id: step.childRunId,
  };
}

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

export function historyEventOf(row: EventRow): HistoryEvent {
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

/** An event's column values after run_id, in the events table's order. */
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
