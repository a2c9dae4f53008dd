import {
  definitionFromColumns,
  errorFromText,
  errorToText,
  fromJsonText,
  toJsonText,
} from '../../core/json-text.ts';
import type { HistoryEvent, HistoryEventType, NewHistoryEvent } from '../../core/history.ts';
import type { RunRecord, RunStatus } from '../../core/run.ts';
import type { ClaimedRun } from '../../core/store.ts';
import type { StepKind, StepRecord, StepStatus } from '../../core/step.ts';

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

/** The columns of a runs row, in the order `runRowOf` reads them. */
export const RUN_COLUMNS = [
  'id',
  'workflow_name',
  'workflow_version',
  'status',
  'input',
  'output',
  'error',
  'parent_run_id',
  'parent_step_key',
  'idempotency_key',
  'created_at',
  'updated_at',
  'started_at',
  'finished_at',
  'wake_at',
  'deadline_at',
  'lease_owner',
  'lease_expires_at',
  'fencing_token',
  'recovery_count',
  'pause_requested',
  'paused_from',
  'definition_source',
  'definition_hash',
  'definition_file',
  'definition_nested',
] as const satisfies readonly (keyof RunRow)[];

/**
 * A runs row read as an array (a raw statement selecting RUN_COLUMNS). better-sqlite3 builds
 * an object row property by property, which past a dozen columns turns it into a slow
 * dictionary-mode object; an array and this literal are cheap.
 */
export function runRowOf(v: readonly unknown[]): RunRow {
  return {
    id: v[0] as string,
    workflow_name: v[1] as string,
    workflow_version: v[2] as string | null,
    status: v[3] as RunStatus,
    input: v[4] as string | null,
    output: v[5] as string | null,
    error: v[6] as string | null,
    parent_run_id: v[7] as string | null,
    parent_step_key: v[8] as string | null,
    idempotency_key: v[9] as string | null,
    created_at: v[10] as number,
    updated_at: v[11] as number,
    started_at: v[12] as number | null,
    finished_at: v[13] as number | null,
    wake_at: v[14] as number | null,
    deadline_at: v[15] as number | null,
    lease_owner: v[16] as string | null,
    lease_expires_at: v[17] as number | null,
    fencing_token: v[18] as number,
    recovery_count: v[19] as number,
    pause_requested: v[20] as 0 | 1,
    paused_from: v[21] as RunRow['paused_from'],
    definition_source: v[22] as string | null,
    definition_hash: v[23] as string | null,
    definition_file: v[24] as string | null,
    definition_nested: v[25] as string | null,
  };
}

export function toRunRecord(row: RunRow): RunRecord;
/** A claimed run: the record plus whether the claim took over an expired lease. */
export function toRunRecord(row: RunRow, recovered: boolean): ClaimedRun;
export function toRunRecord(row: RunRow, recovered?: boolean): RunRecord | ClaimedRun {
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
    pauseRequested: row.pause_requested === 1,
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

export function toStepRecord(row: StepRow): StepRecord {
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

/** Binding parameters of the step upsert. */
export function stepParams(runId: string, step: StepRecord) {
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
